// Command docgen writes the parts of the READMEs that are derived from code —
// the event catalog — between marker comments, so the docs cannot drift from
// what the receiver really knows. `go generate ./...` runs it; its test fails
// when a README is stale.
package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	vigil "github.com/vigil-sec/vigil"
)

// section is a generated block of a file.
type section struct {
	file, name string
	render     func() string
}

var sections = []section{
	{file: "receiver/kerneleventsreceiver/README.md", name: "event catalog", render: eventCatalog},
}

func main() {
	root := "."
	if len(os.Args) > 1 {
		root = os.Args[1]
	}
	for _, s := range sections {
		path := root + "/" + s.file
		doc, err := os.ReadFile(path)
		if err != nil {
			fail(err)
		}
		out, err := replaceSection(doc, s.name, s.render())
		if err != nil {
			fail(fmt.Errorf("%s: %w", path, err))
		}
		if !bytes.Equal(out, doc) {
			if err := os.WriteFile(path, out, 0o644); err != nil {
				fail(err)
			}
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "docgen:", err)
	os.Exit(1)
}

func markers(name string) (begin, end string) {
	return "<!-- BEGIN GENERATED " + name + " -->\n", "<!-- END GENERATED " + name + " -->"
}

// replaceSection swaps what stands between the section's markers for content.
func replaceSection(doc []byte, name, content string) ([]byte, error) {
	begin, end := markers(name)
	i := bytes.Index(doc, []byte(begin))
	j := bytes.Index(doc, []byte(end))
	if i < 0 || j < i {
		return nil, fmt.Errorf("markers for %q not found (add %q and %q)", name, strings.TrimSpace(begin), end)
	}
	var out bytes.Buffer
	out.Write(doc[:i+len(begin)])
	out.WriteString(content)
	out.Write(doc[j:])
	return out.Bytes(), nil
}

// eventCatalog renders every event with its id, sets and arguments.
func eventCatalog() string {
	var b strings.Builder
	b.WriteString("| event | id | sets | arguments (Tracee name: type) |\n|---|---|---|---|\n")
	for _, d := range vigil.Events() {
		args := make([]string, len(d.Args))
		for i, a := range d.Args {
			args[i] = "`" + a.Name + "`: " + a.Type
		}
		sets := strings.Join(d.Sets, ", ")
		fmt.Fprintf(&b, "| `%s` | %d | %s | %s |\n", d.Name, d.ID, sets, strings.Join(args, ", "))
	}
	return b.String()
}
