package sqlitefile

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/internal/testenv"
)

// sqlite3 runs the real sqlite3 shell on db.
func sqlite3(t *testing.T, db string, sql ...string) []byte {
	t.Helper()
	bin := testenv.LookPath(t, "sqlite3", "the real SQLite writes the databases these tests read")
	out, err := exec.Command(bin, append([]string{db}, sql...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("sqlite3 %s: %v\n%s", strings.Join(sql, " "), err, out)
	}
	return out
}

// rowsOf reads a table with this package, as "rowid|v1|v2..." lines.
func rowsOf(t *testing.T, path, table string, withWAL bool) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var wal *bytes.Reader
	var walSize int64
	if withWAL {
		if w, err := os.ReadFile(path + "-wal"); err == nil {
			wal, walSize = bytes.NewReader(w), int64(len(w))
		}
	}
	var db *DB
	if wal != nil {
		db, err = Open(bytes.NewReader(b), int64(len(b)), wal, walSize, Limits{})
	} else {
		db, err = Open(bytes.NewReader(b), int64(len(b)), nil, 0, Limits{})
	}
	if err != nil {
		t.Fatal(err)
	}
	tb, err := db.Table(context.Background(), table)
	if err != nil {
		t.Fatalf("table %s: %v", table, err)
	}
	if tb == nil {
		return nil
	}
	var out []string
	err = db.Rows(context.Background(), tb, func(rowid int64, v []Value) error {
		s := fmt.Sprint(rowid)
		for _, x := range v {
			switch x.Kind {
			case Null:
				s += "|NULL"
			case Int:
				s += fmt.Sprintf("|%d", x.Int)
			case Float:
				s += fmt.Sprintf("|%g", x.Float)
			default:
				s += "|" + string(x.Bytes)
			}
		}
		out = append(out, s)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// rowsBySQLite reads the same table with the real sqlite3 in the same
// shape; db is a path or a file: URI.
func rowsBySQLite(t *testing.T, db, table string, cols []string) []string {
	t.Helper()
	sel := "rowid AS rid_"
	for _, c := range cols {
		sel += ", quote(" + c + ") AS " + c
	}
	out := sqlite3(t, db, "-json", "SELECT "+sel+" FROM "+table+" ORDER BY rowid")
	var rows []map[string]any
	if len(bytes.TrimSpace(out)) > 0 {
		if err := json.Unmarshal(out, &rows); err != nil {
			t.Fatalf("sqlite3 -json: %v\n%s", err, out)
		}
	}
	var lines []string
	for _, r := range rows {
		s := fmt.Sprint(r["rid_"])
		for _, c := range cols {
			q := fmt.Sprint(r[c]) // quote(): 'text' with '' doubled, NULL, numbers
			if strings.HasPrefix(q, "'") {
				q = strings.ReplaceAll(q[1:len(q)-1], "''", "'")
			}
			s += "|" + q
		}
		lines = append(lines, s)
	}
	return lines
}

// TestAgainstSQLite: tables the real SQLite wrote (small and large
// records with overflow chains, enough rows for interior pages, page sizes
// from 512 to 65536, UTF-16 text, an INTEGER PRIMARY KEY) read the same
// as sqlite3 reads them.
func TestAgainstSQLite(t *testing.T) {
	for _, tc := range []struct {
		name  string
		pragm string
		rows  int
	}{
		{"small", "", 5},
		{"p512", "PRAGMA page_size=512;", 300},
		{"p65536", "PRAGMA page_size=65536;", 300},
		{"utf16le", "PRAGMA encoding='UTF-16le';", 50},
		{"utf16be", "PRAGMA encoding='UTF-16be';", 50},
		{"many", "", 3000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "t.sqlite")
			sql := tc.pragm + `CREATE TABLE sessions (session integer primary key autoincrement, start timestamp, remark text);
CREATE TABLE history (session integer, line integer, source text, source_raw text, PRIMARY KEY (session, line));
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < ` + fmt.Sprint(tc.rows) + `)
INSERT INTO history SELECT i/10, i, 'src ' || i || ' é', CASE WHEN i % 7 = 0 THEN printf('%%pip install x==%d ', i) || hex(randomblob(3000 + i)) ELSE '!pip install x' || i END FROM n;
INSERT INTO sessions(start, remark) VALUES ('2026-03-24 10:53:20.123456', NULL), ('2026-03-25 01:00:00', 'it''s');
DELETE FROM history WHERE line % 11 = 0;`
			sqlite3(t, p, sql)
			for _, table := range []string{"history", "sessions"} {
				cols := map[string][]string{"history": {"session", "line", "source", "source_raw"}, "sessions": {"session", "start", "remark"}}[table]
				got := rowsOf(t, p, table, false)
				want := rowsBySQLite(t, "file:"+p+"?immutable=1", table, cols)
				if len(got) != len(want) {
					t.Fatalf("%s: %d rows, sqlite3 reads %d", table, len(got), len(want))
				}
				for i := range got {
					if got[i] != want[i] {
						t.Fatalf("%s row %d:\n got %.200q\nwant %.200q", table, i, got[i], want[i])
					}
				}
			}
		})
	}
}

// TestWAL: rows committed to a write-ahead log and not yet checkpointed are
// read, as SQLite reads them; a log of another database is ignored.
func TestWAL(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "w.sqlite")
	cp := filepath.Join(dir, "copy.sqlite")
	// The copy is taken while the writer still holds the database open, so
	// its log has not been checkpointed into the file.
	sqlite3(t, p, "PRAGMA journal_mode=WAL;", "PRAGMA wal_autocheckpoint=0;",
		"CREATE TABLE history (session integer, line integer, source text, source_raw text);",
		"INSERT INTO history VALUES (1, 1, 'a', 'a');", "INSERT INTO history VALUES (1, 2, 'b', '!pip install b');",
		".shell cp "+p+" "+cp+" && cp "+p+"-wal "+cp+"-wal")
	p = cp
	if fi, err := os.Stat(p + "-wal"); err != nil || fi.Size() == 0 {
		t.Fatalf("no write-ahead log copied: %v", err)
	}
	// Without the log, only what was checkpointed.
	without := rowsOf(t, p, "history", false)
	with := rowsOf(t, p, "history", true)
	// SQLite reads the log only when not told the file is immutable: a
	// copy of both, so that its checkpoint on close changes nothing here.
	ref := filepath.Join(dir, "ref.sqlite")
	for _, sfx := range []string{"", "-wal"} {
		b, err := os.ReadFile(p + sfx)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(ref+sfx, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	want := rowsBySQLite(t, ref, "history", []string{"session", "line", "source", "source_raw"})
	if strings.Join(with, "\n") != strings.Join(want, "\n") {
		t.Errorf("with the WAL:\n got %q\nwant %q", with, want)
	}
	if len(without) >= len(with) {
		t.Errorf("the WAL added nothing: without %q, with %q", without, with)
	}
}

// TestMalformed: cut, corrupted and cyclic files are errors, never panics
// or hangs.
func TestMalformed(t *testing.T) {
	p := filepath.Join(t.TempDir(), "m.sqlite")
	sqlite3(t, p, "PRAGMA page_size=512; CREATE TABLE history (session integer, line integer, source text, source_raw text);"+
		"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 400) INSERT INTO history SELECT 1, i, hex(randomblob(200)), 'x' FROM n;")
	good, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	read := func(b []byte) error {
		db, err := Open(bytes.NewReader(b), int64(len(b)), nil, 0, Limits{MaxPages: 10000})
		if err != nil {
			return err
		}
		tb, err := db.Table(context.Background(), "history")
		if err != nil || tb == nil {
			return fmt.Errorf("no table: %v", err)
		}
		return db.Rows(context.Background(), tb, func(int64, []Value) error { return nil })
	}
	if err := read(good); err != nil {
		t.Fatalf("good file: %v", err)
	}
	// Cut at every page boundary and in the middle of pages.
	for n := 0; n < len(good); n += 512*7 + 100 {
		_ = read(good[:n])
	}
	// A cycle: an interior page's right-most child pointing at itself.
	for pg := 2; pg*512 <= len(good); pg++ {
		b := bytes.Clone(good)
		off := (pg - 1) * 512
		if b[off] == 0x05 {
			b[off+8], b[off+9], b[off+10], b[off+11] = 0, 0, byte(pg>>8), byte(pg)
			if err := read(b); err == nil {
				t.Errorf("page %d pointing at itself: no error", pg)
			}
		}
	}
	// Every byte flipped in turn (a sample): no panic.
	for i := 0; i < len(good); i += len(good)/150 + 1 {
		b := bytes.Clone(good)
		b[i] ^= 0xff
		_ = read(b)
	}
}

// FuzzOpen: arbitrary bytes never panic or hang.
func FuzzOpen(f *testing.F) {
	f.Add([]byte(headerMagic + strings.Repeat("\x00", 600)))
	f.Fuzz(func(t *testing.T, b []byte) {
		db, err := Open(bytes.NewReader(b), int64(len(b)), bytes.NewReader(b), int64(len(b)), Limits{MaxPages: 64, MaxRecord: 4096})
		if err != nil {
			return
		}
		tb, err := db.Table(context.Background(), "history")
		if err != nil || tb == nil {
			return
		}
		_ = db.Rows(context.Background(), tb, func(int64, []Value) error { return nil })
	})
}
