package sweeptest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/sweep"
)

// SARIFHelpFollowsDeclarations checks a SARIF log rendered from r (one run)
// against the category declarations in cat: every finding's result names
// a rule whose help carries every help step its category declares, and
// the image steps when the finding is in an image; a category rule's short
// description is the declaration's. It returns the categories seen, so a
// test can also require that its real sweep produced the ones it is about.
func SARIFHelpFollowsDeclarations(t testing.TB, sarif []byte, r *sweep.Report, cat sweep.Catalog) map[sweep.Category]int {
	t.Helper()
	var doc struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID               string
						ShortDescription struct{ Text string }
						Help             struct{ Text, Markdown string }
					}
				}
			}
			Results []struct {
				RuleID     string
				Properties struct{ ID string }
			}
		}
	}
	if err := json.Unmarshal(sarif, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Runs) != 1 {
		t.Fatalf("%d runs", len(doc.Runs))
	}
	run := doc.Runs[0]
	type rule struct{ short, help, md string }
	rules := map[string]rule{}
	for _, rl := range run.Tool.Driver.Rules {
		rules[rl.ID] = rule{rl.ShortDescription.Text, rl.Help.Text, rl.Help.Markdown}
	}
	ruleOf := map[string]string{}
	for _, res := range run.Results {
		ruleOf[res.Properties.ID] = res.RuleID
	}
	seen := map[sweep.Category]int{}
	for _, f := range r.Findings {
		seen[f.Category]++
		id, ok := ruleOf[f.ID]
		if !ok {
			t.Errorf("%s (%s): no SARIF result", f.ID, f.Title)
			continue
		}
		rl := rules[id]
		ci, ok := cat.Lookup(f.Category)
		if !ok {
			t.Errorf("%s: category %q is not declared", f.ID, f.Category)
			continue
		}
		want := append([]string(nil), ci.Help...)
		if f.Location.Image != "" {
			want = append(want, cat.ImageHelp()...)
		}
		for _, step := range want {
			if !strings.Contains(rl.help, step) || !strings.Contains(rl.md, step) {
				t.Errorf("%s (%s, in image %q): rule %s's help lacks the declared step %q:\n%s", f.ID, f.Category, f.Location.Image, id, step, rl.help)
			}
		}
		if (f.Indicator == nil || f.Indicator.ID == "") && rl.short != ci.Short {
			t.Errorf("%s: category rule %s has short description %q, declared %q", f.ID, id, rl.short, ci.Short)
		}
	}
	return seen
}
