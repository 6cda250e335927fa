package iocs

import (
	"slices"
	"testing"
)

func TestSpecifierContains(t *testing.T) {
	tests := []struct {
		spec string
		in   []string
		out  []string
	}{
		{"", []string{"1.82.8", "0.1"}, nil},
		{"*", []string{"1.82.8"}, nil},
		{">=1.80,<2", []string{"1.80", "1.82.8", "1.99.99"}, []string{"1.79.9", "2.0", "2.0.1"}},
		{">=1.80, <2", []string{"1.82.7"}, []string{"2"}},
		{"(>=1.0)", []string{"1.82.8"}, []string{"0.9"}},
		{"~=1.82.0", []string{"1.82.0", "1.82.8", "1.82.99"}, []string{"1.83.0", "1.81.9"}},
		{"~=1.82", []string{"1.82.8", "1.99"}, []string{"2.0", "1.81"}},
		{"~=1.82.7", []string{"1.82.7", "1.82.8"}, []string{"1.82.6", "1.83.0"}},
		{"==1.82.*", []string{"1.82", "1.82.0", "1.82.8", "1.82.8.post1"}, []string{"1.83.0", "1.8.2"}},
		{"!=1.82.*", []string{"1.83.0", "1.81.0"}, []string{"1.82.7"}},
		{"==1.82.8", []string{"1.82.8", "1.82.8.0", "v1.82.8", "1.82.8+local"}, []string{"1.82.80", "1.82.8.post1", "1.82.7"}},
		{"==1.82.8+local", []string{"1.82.8+local"}, []string{"1.82.8"}},
		{"!=1.82.7,!=1.82.8", []string{"1.82.6", "1.83.0"}, []string{"1.82.7", "1.82.8", "1.82.8.0"}},
		{"===1.82.8", []string{"1.82.8"}, []string{"1.82.8.0"}},
		{">1.82.7", []string{"1.82.8", "1.83"}, []string{"1.82.7", "1.82.7.post1", "1.82.6"}},
		{">1.82.7.post1", []string{"1.82.7.post2"}, []string{"1.82.7.post1"}},
		{"<1.82.8", []string{"1.82.7", "1.0"}, []string{"1.82.8", "1.82.8rc1", "1.83"}},
		{"<=1.82.8", []string{"1.82.8", "1.82.7"}, []string{"1.82.9"}},
		{">=1.82.8rc1", []string{"1.82.8rc1", "1.82.8", "1.83.0a1"}, []string{"1.82.8a1"}},
		{">=1.80", []string{"1.82.8"}, []string{"1.83.0rc1"}}, // pre-releases need opting in
		{"^1.82", []string{"1.82", "1.82.8", "1.99"}, []string{"2.0", "1.81.9"}},
		{"^1.82.7", []string{"1.82.7", "1.82.8"}, []string{"1.82.6", "2.0.0"}},
		{"^0.2.3", []string{"0.2.3", "0.2.9"}, []string{"0.3.0", "0.2.2"}},
		{"^0.0.3", []string{"0.0.3"}, []string{"0.0.4"}},
		{"^0", []string{"0.5"}, []string{"1.0"}},
		{"~1.82", []string{"1.82.0", "1.82.8"}, []string{"1.83.0", "1.81"}},
		{"~1", []string{"1.0", "1.82.8"}, []string{"2.0"}},
		{"~1.82.3", []string{"1.82.3", "1.82.8"}, []string{"1.82.2", "1.83"}},
		{"1.82.8", []string{"1.82.8"}, []string{"1.82.7"}},
		{"1.82.*", []string{"1.82.7"}, []string{"1.83"}},
		{">=1.2 <2.0", []string{"1.82.8"}, []string{"2.0", "1.1"}},
		{">= 1.2, < 2.0", []string{"1.82.8"}, []string{"2.0"}},
		{"<1.0 || >=1.82.8", []string{"0.5", "1.82.8"}, []string{"1.5", "1.82.7"}},
		{"=1.82.8", []string{"1.82.8"}, []string{"1.82.9"}}, // conda-style single =
	}
	for _, tc := range tests {
		s, err := ParseSpecifier(tc.spec)
		if err != nil {
			t.Errorf("ParseSpecifier(%q): %v", tc.spec, err)
			continue
		}
		for _, v := range tc.in {
			if !s.Contains(v) {
				t.Errorf("%q (%s) should admit %s", tc.spec, s, v)
			}
		}
		for _, v := range tc.out {
			if s.Contains(v) {
				t.Errorf("%q (%s) should not admit %s", tc.spec, s, v)
			}
		}
	}
}

func TestSpecifierInvalid(t *testing.T) {
	for _, s := range []string{">=", "~=1", ">=1.*", "==1.x", "a || ", ">=1,,<2x", "^", "~=v"} {
		if _, err := ParseSpecifier(s); err == nil {
			t.Errorf("ParseSpecifier(%q) accepted", s)
		}
	}
}

func TestSpecifierExact(t *testing.T) {
	tests := []struct {
		spec, want string
		ok         bool
	}{
		{"==1.82.8", "1.82.8", true},
		{"===1.82.8", "1.82.8", true},
		{"1.82.8", "1.82.8", true},
		{"==1.82.*", "", false},
		{">=1.82.8", "", false},
		{"==1.82.8,!=1.0", "1.82.8", true},
		{"==1.82.8 || ==1.82.7", "", false},
		{"*", "", false},
	}
	for _, tc := range tests {
		s, err := ParseSpecifier(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := s.Exact()
		if got != tc.want || ok != tc.ok {
			t.Errorf("Exact(%q) = %q, %v; want %q, %v", tc.spec, got, ok, tc.want, tc.ok)
		}
	}
}

func TestAdmittedBad(t *testing.T) {
	l, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	m, err := Compile(l)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, spec string
		want       []string
	}{
		{"litellm", ">=1.80", []string{"1.82.8", "1.82.7"}},
		{"LiteLLM", "^1.82", []string{"1.82.8", "1.82.7"}},
		{"litellm", "<1.82.8", []string{"1.82.7"}},
		{"litellm", "==1.82.6", nil},
		{"litellm", ">=1.83", nil},
		{"litellm", "!=1.82.7,!=1.82.8", nil},
		{"litellm", "~=1.82.0", []string{"1.82.8", "1.82.7"}},
		{"requests", "*", nil},
	}
	for _, tc := range tests {
		s, err := ParseSpecifier(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.AdmittedBad(tc.name, s); !slices.Equal(got, tc.want) {
			t.Errorf("AdmittedBad(%s %s) = %v, want %v", tc.name, tc.spec, got, tc.want)
		}
	}
}
