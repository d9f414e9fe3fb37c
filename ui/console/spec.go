package console

import "github.com/kidtime/kidtime/rules"

// ChildSpec is a child's entry of the policy file (name, birth year,
// accounts, preset and explicit values), as the agent's
// /v1/children/NAME/policy route carries it: the rules package's Child.
type ChildSpec = rules.Child
