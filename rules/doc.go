// Package rules is kidtime's policy brain: the model of a child's policy, the
// age presets, the policy-file codec, validation, and Evaluate, which turns a
// policy, today's usage and the time into a Decision.
//
// The package is pure. It reads no clock, touches no file, process or
// network, and imports only the standard library: the same inputs always
// give the same decision. The agent measures usage and carries decisions
// out; the UI shows them; both reach this package only through its values.
//
// The pieces, in the order data flows through them:
//
//   - ParseFile decodes a policy file (JSON, see README.md) strictly: unknown
//     fields, duplicate keys and bad values are errors that name the field
//     path and the reason.
//   - File.PolicyFor (or Child.Policy) resolves an account's Profile on top of
//     its age preset (Preset) into a Policy for a given moment.
//   - Policy.Classify tells the accountant whether an app is a game and
//     whether its time counts at all.
//   - Evaluate returns the Decision: state, time left, warnings due, apps to
//     close, whether to lock, the rule behind each, and when to look again.
package rules
