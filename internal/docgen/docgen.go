// Package docgen keeps the parts of the READMEs that are derived from code
// — the event catalog, the built-in signatures, the allowed built-ins —
// between marker comments, so the docs cannot drift from what the code knows.
//
// Each generated part is a Section. A small command per component renders its
// sections (`go generate ./...` runs them, through Main), and a test in the
// same directory fails through Stale when a committed README is out of date.
// Sections are marked in the README as
//
//	<!-- BEGIN GENERATED name -->
//	...
//	<!-- END GENERATED name -->
package docgen

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Section is a generated block of a file.
type Section struct {
	File   string // relative to the repository root
	Name   string // the name in its markers
	Render func() (string, error)
}

// Main rewrites the sections of the files under the repository root named by
// the first argument (default "."), and exits non-zero on an error. It is
// the body of each generator command.
func Main(sections []Section) {
	root := "."
	if len(os.Args) > 1 {
		root = os.Args[1]
	}
	if err := Write(root, sections); err != nil {
		fmt.Fprintln(os.Stderr, "docgen:", err)
		os.Exit(1)
	}
}

// Write rewrites each section of its file under root, leaving the file
// untouched when nothing changed.
func Write(root string, sections []Section) error {
	for _, s := range sections {
		path := filepath.Join(root, s.File)
		doc, out, err := render(path, s)
		if err != nil {
			return err
		}
		if !bytes.Equal(out, doc) {
			if err := os.WriteFile(path, out, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

// Stale returns an error for each section whose file under root does not
// hold what the code renders now.
func Stale(root string, sections []Section) []error {
	var errs []error
	for _, s := range sections {
		doc, out, err := render(filepath.Join(root, s.File), s)
		switch {
		case err != nil:
			errs = append(errs, err)
		case !bytes.Equal(out, doc):
			errs = append(errs, fmt.Errorf("%s: generated section %q is stale; run make generate and commit", s.File, s.Name))
		}
	}
	return errs
}

// render returns the file as it is and as it would be with s rendered.
func render(path string, s Section) (doc, out []byte, err error) {
	doc, err = os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	content, err := s.Render()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: rendering %q: %w", path, s.Name, err)
	}
	out, err = Replace(doc, s.Name, content)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return doc, out, nil
}

func markers(name string) (begin, end string) {
	return "<!-- BEGIN GENERATED " + name + " -->\n", "<!-- END GENERATED " + name + " -->"
}

// Replace swaps what stands between the section's markers for content;
// markers may be indented, as inside a list item.
func Replace(doc []byte, name, content string) ([]byte, error) {
	begin, end := markers(name)
	i := bytes.Index(doc, []byte(begin))
	j := bytes.Index(doc, []byte(end))
	if i < 0 || j < i {
		return nil, fmt.Errorf("markers for %q not found (add %q and %q)", name, strings.TrimSpace(begin), end)
	}
	// An end marker indented (inside a list item) keeps its indentation.
	if k := bytes.LastIndexByte(doc[:j], '\n') + 1; k >= i+len(begin) && len(bytes.TrimSpace(doc[k:j])) == 0 {
		j = k
	}
	var out bytes.Buffer
	out.Write(doc[:i+len(begin)])
	out.WriteString(content)
	out.Write(doc[j:])
	return out.Bytes(), nil
}
