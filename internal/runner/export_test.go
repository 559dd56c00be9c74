package runner

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
)

func TestPreviewFiles(t *testing.T) {
	written := map[string]int{} // lines each write got through
	write := func(w io.Writer, name string) error {
		for i := range 1000 {
			if _, err := fmt.Fprintf(w, "%s line %d\n", name, i); err != nil {
				return err // the preview stops the write early
			}
			written[name]++
		}
		return nil
	}
	var out bytes.Buffer
	if err := PreviewFiles(&out, []string{"a.csv", "b.csv"}, func(string) int { return 999 }, write, 3); err != nil {
		t.Fatal(err)
	}
	want := "a.csv: 999 row(s)\n  a.csv line 0\n  a.csv line 1\n  a.csv line 2\nb.csv: 999 row(s)\n  b.csv line 0\n  b.csv line 1\n  b.csv line 2\n"
	if out.String() != want {
		t.Errorf("preview:\n%s\nwant:\n%s", out.String(), want)
	}
	if written["a.csv"] > 3 {
		t.Errorf("the write went on for %d lines after the preview had its 3", written["a.csv"])
	}
	// A failing write is an error naming the file.
	bad := func(io.Writer, string) error { return io.ErrUnexpectedEOF }
	if err := PreviewFiles(io.Discard, []string{"c.csv"}, func(string) int { return 0 }, bad, 3); err == nil || !strings.Contains(err.Error(), "c.csv") {
		t.Errorf("failing write: err = %v", err)
	}
}
