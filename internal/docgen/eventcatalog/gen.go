// Command eventcatalog writes the event catalog into the receiver README:
// every event with its Tracee id, sets and arguments, from the catalog the
// receiver really uses. `go generate ./...` runs it.
package main

//go:generate go run . ../../..

import (
	"fmt"
	"strings"

	"github.com/vigil-sec/vigil/catalog"
	"github.com/vigil-sec/vigil/internal/docgen"
)

var sections = []docgen.Section{
	{File: "receiver/kerneleventsreceiver/README.md", Name: "event catalog", Render: eventCatalog},
}

func main() { docgen.Main(sections) }

// eventCatalog renders every event with its id, sets and arguments.
func eventCatalog() (string, error) {
	var b strings.Builder
	b.WriteString("| event | id | sets | arguments (Tracee name: type) |\n|---|---|---|---|\n")
	for _, d := range catalog.Events() {
		args := make([]string, len(d.Args))
		for i, a := range d.Args {
			args[i] = "`" + a.Name + "`: " + a.Type
		}
		sets := strings.Join(d.Sets, ", ")
		fmt.Fprintf(&b, "| `%s` | %d | %s | %s |\n", d.Name, d.ID, sets, strings.Join(args, ", "))
	}
	return b.String(), nil
}
