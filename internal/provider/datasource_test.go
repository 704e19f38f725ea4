package provider

import (
	"slices"
	"testing"
)

// The records of a read may be shared with other data sources (identical reads share
// one walk): filter must leave them as they are and return its own slice.
func TestFilterLeavesSharedRecordsAlone(t *testing.T) {
	records := []int64{1, 2, 3, 4, 5, 6}
	orig := slices.Clone(records)
	kept := filter(records, func(r *int64) bool { return *r%2 == 0 })
	if !slices.Equal(kept, []int64{2, 4, 6}) {
		t.Fatalf("kept %v, want [2 4 6]", kept)
	}
	if !slices.Equal(records, orig) {
		t.Fatalf("filter changed the records it was given: %v, was %v", records, orig)
	}
	kept[0] = 99
	if !slices.Equal(records, orig) {
		t.Fatalf("the kept records share the input's array: %v", records)
	}
}
