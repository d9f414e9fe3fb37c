// Package auth holds the secrets a parent proves themselves with, and the
// defences around them (DESIGN.md §7): the parent PIN (argon2id), a rate
// limiter with growing delays whose state survives restarts, the offline
// parent code (TOTP, RFC 6238) and the session tokens a parent's PIN buys.
//
// Everything here is pure over its inputs and a clock; the caller (the API)
// decides who may try, logs the attempts and persists the state.
package auth
