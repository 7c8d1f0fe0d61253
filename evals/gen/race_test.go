//go:build race

package gen_test

// raceEnabled: the race detector is on (the property test runs fewer cases).
const raceEnabled = true
