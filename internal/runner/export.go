package runner

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// errEnough stops a preview's write once it has its lines.
var errEnough = errors.New("runner: preview has its lines")

// lineLimit keeps the first n lines written to it, then fails the write.
type lineLimit struct {
	buf bytes.Buffer
	n   int
}

func (l *lineLimit) Write(p []byte) (int, error) {
	for i, c := range p {
		if c == '\n' {
			l.n--
			if l.n == 0 {
				l.buf.Write(p[:i+1])
				return i + 1, errEnough
			}
		}
	}
	return l.buf.Write(p)
}

// PreviewFiles is the dry run of the export binaries: for every file, its
// row count and its first lines (header and rows) as write renders them.
// rows counts the data rows of a file; write renders a whole file and may
// be stopped after the lines shown.
func PreviewFiles(w io.Writer, files []string, rows func(name string) int, write func(w io.Writer, name string) error, lines int) error {
	for _, name := range files {
		fmt.Fprintf(w, "%s: %d row(s)\n", name, rows(name))
		l := &lineLimit{n: lines}
		if err := write(l, name); err != nil && !errors.Is(err, errEnough) {
			return fmt.Errorf("%s: %w", name, err)
		}
		for _, line := range bytes.Split(bytes.TrimSuffix(l.buf.Bytes(), []byte("\n")), []byte("\n")) {
			if len(line) > 0 {
				fmt.Fprintf(w, "  %s\n", line)
			}
		}
	}
	return nil
}
