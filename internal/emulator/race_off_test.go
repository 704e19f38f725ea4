//go:build !race

package emulator

// raceEnabled tells timing tests that the race detector slows everything down.
const raceEnabled = false
