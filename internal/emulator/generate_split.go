package emulator

import "strconv"

// Ids of SplitTopology: two sets far apart, each with two modules, so that padding
// ids put them in different chunks of a split id list.
const (
	SplitSetA     = 1000 // modules 1001, 1002
	SplitSetB     = 5000 // modules 5001, 5002
	SplitHostBase = 100  // hosts SplitHostBase+1 … SplitHostBase+n
)

// SplitTopology builds one business bizID for tests of reads split into chunks whose
// answers interleave and overlap: set SplitSetA (modules 1001, 1002) and set SplitSetB
// (modules 5001, 5002), and n hosts alternating between them (odd hosts in A, even in
// B, the module alternating too), every third host in a module of each set. A list of
// set ids [A, B] padded with 199 ids between them splits into chunks [A, …] and [B]:
// their hosts interleave, and the hosts in both sets come in both answers.
func SplitTopology(bizID int64, n int) *Dataset {
	d := &Dataset{
		Businesses: []Business{{ID: bizID, Name: "split-" + strconv.FormatInt(bizID, 10)}},
		Sets: []Set{
			{ID: SplitSetA, Name: "split-a", BizID: bizID, Env: "3", ServiceStatus: "1"},
			{ID: SplitSetB, Name: "split-b", BizID: bizID, Env: "3", ServiceStatus: "1"},
		},
	}
	for _, set := range []int64{SplitSetA, SplitSetB} {
		for j := int64(1); j <= 2; j++ {
			d.Modules = append(d.Modules, Module{ID: set + j, Name: "split-" + strconv.FormatInt(set+j, 10), BizID: bizID,
				SetID: set, ModuleType: "1"})
		}
	}
	for i := 1; i <= n; i++ {
		id := int64(SplitHostBase + i)
		set, other := int64(SplitSetA), int64(SplitSetB)
		if i%2 == 0 {
			set, other = other, set
		}
		modules := []int64{set + int64(1+i/2%2)}
		if i%3 == 0 {
			modules = append(modules, other+int64(1+i/3%2))
		}
		d.Hosts = append(d.Hosts, Host{ID: id, BizID: bizID, InnerIP: "10.9." + strconv.Itoa(i/250) + "." + strconv.Itoa(i%250+1),
			Name: "split-host-" + strconv.Itoa(i), ModuleIDs: modules})
	}
	return d
}
