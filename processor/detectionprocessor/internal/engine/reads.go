package engine

import (
	"slices"

	"github.com/open-policy-agent/opa/v1/ast"
)

// inputReads returns the top-level members of the input that the rules at
// ref, and every rule and function they reach, can read; all is true when
// they may read any (the whole input, or a member chosen at run time).
//
// Signatures may call only pure, deterministic built-ins (package
// signature), and the store holds no data, so a signature's result is a
// function of these members alone: the memo keys on them.
func inputReads(c *ast.Compiler, ref ast.Ref) (keys []string, all bool) {
	seen := map[*ast.Rule]bool{}
	todo := c.GetRules(ref)
	var visit func(x any) bool
	visit = func(x any) bool {
		switch x := x.(type) {
		case ast.Ref:
			switch {
			case x.HasPrefix(ast.InputRootRef):
				if len(x) < 2 {
					all = true
				} else if k, ok := x[1].Value.(ast.String); ok {
					if !slices.Contains(keys, string(k)) {
						keys = append(keys, string(k))
					}
				} else {
					all = true
				}
			case x.HasPrefix(ast.DefaultRootRef):
				todo = append(todo, c.GetRules(x)...)
			}
			for _, t := range x[1:] {
				ast.NewGenericVisitor(visit).Walk(t)
			}
			return true
		case ast.Var:
			// input outside a ref: the whole document
			if x.Equal(ast.InputRootDocument.Value) {
				all = true
			}
		}
		return false
	}
	for len(todo) > 0 && !all {
		r := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if seen[r] {
			continue
		}
		seen[r] = true
		ast.NewGenericVisitor(visit).Walk(r)
	}
	slices.Sort(keys)
	return keys, all
}
