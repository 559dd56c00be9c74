package diff

import (
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// benchState builds a municipality-shaped object set for persons people
// (a school of 600 per institution, classes of 25, groups for all pupils
// and all staff of each school) and an actual state with 1 % drift:
// attribute edits, renames, moves, missing users (creates), extra managed
// users (disables), disabled users that return, and member edits.
func benchState(persons int) (desired, actual []Object) {
	const perInst = 600
	insts := max(1, persons/perInst)
	desired = make([]Object, 0, persons+insts*32)
	actual = make([]Object, 0, persons+insts*32)
	add := func(o Object, drift func(a *Object) bool) {
		desired = append(desired, o)
		a := o.Clone()
		a.Managed = true
		a.ID = "id:" + o.Key
		if drift != nil && !drift(&a) {
			return // missing in actual
		}
		actual = append(actual, a)
	}
	add(Object{Kind: Container, Key: "ou/type/SCHOOL", Name: "Skoler"}, nil)
	add(Object{Kind: Container, Key: "ou/disabled", Name: "Deaktiverede"}, nil)
	p := 0
	for in := range insts {
		num := strconv.Itoa(280000 + in)
		ik := "ou/inst/" + num
		add(Object{Kind: Container, Key: ik, Name: "Skole " + num, Parent: "ou/type/SCHOOL", Institution: num}, nil)
		for _, sub := range []string{"employees", "students", "groups"} {
			add(Object{Kind: Container, Key: ik + "/" + sub, Name: sub, Parent: ik, Institution: num}, nil)
		}
		var staff, pupils []string
		var class []string
		classNo := 0
		n := min(perInst, persons-p)
		if in == insts-1 {
			n = persons - p
		}
		for j := range n {
			p++
			key := "user/" + strconv.Itoa(p)
			student := j%10 != 0
			parent, role := ik+"/employees", "employee"
			if student {
				parent, role = ik+"/students", "student"
			}
			u := Object{Kind: User, Key: key, Name: fmt.Sprintf("Person %d Sørensen", p), Parent: parent, Institution: num,
				Attrs: AttrsFrom(map[string]string{
					"username": "u" + strconv.Itoa(p), "givenName": "Person", "familyName": "Sørensen",
					"displayName": "Person Sørensen", "email": "u" + strconv.Itoa(p) + "@skole.dk",
					"uniId": "uni" + strconv.Itoa(p), AttrGlobalRole: role, "institutions": num,
				})}
			add(u, func(a *Object) bool {
				switch p % 100 {
				case 7:
					a.Attrs.Set("email", "old@skole.dk")
				case 17:
					if p%300 == 17 {
						a.Name = "Old Name"
					}
				case 27:
					if p%500 == 27 {
						a.Parent = ik
					}
				case 37:
					if p%500 == 37 {
						return false
					}
				case 47:
					if p%500 == 47 {
						a.Disabled = true
						a.Attrs.Set(AttrDisabledDate, "2026-11-01")
						a.Parent = "ou/disabled/2026-11-01"
					}
				}
				return true
			})
			if student {
				pupils = append(pupils, key)
				class = append(class, key)
				if len(class) == 25 {
					classNo++
					add(Object{Kind: Group, Key: fmt.Sprintf("group/%s/class%d", num, classNo), Name: fmt.Sprintf("%s %dA", num, classNo),
						Parent: ik + "/groups", Members: sortedSet(class), Institution: num}, driftMembers)
					class = nil
				}
			} else {
				staff = append(staff, key)
			}
		}
		add(Object{Kind: Group, Key: "group/" + num + "/staff", Name: num + " staff", Parent: ik + "/groups", Members: sortedSet(staff), Institution: num}, driftMembers)
		add(Object{Kind: Group, Key: "group/" + num + "/pupils", Name: num + " pupils", Parent: ik + "/groups", Members: sortedSet(pupils), Institution: num}, driftMembers)
	}
	// Extra managed users the source no longer has.
	for i := range persons / 500 {
		actual = append(actual, Object{Kind: User, Key: "user/gone" + strconv.Itoa(i), Name: "Gone", Parent: "ou/inst/280000/students",
			Attrs: AttrsFrom(map[string]string{"username": "gone" + strconv.Itoa(i)}), Managed: true, ID: "gone" + strconv.Itoa(i), Institution: "280000"})
	}
	actual = append(actual, Object{Kind: Container, Key: "ou/disabled/2026-11-01", Name: "2026-11-01", Parent: "ou/disabled", Managed: true, ID: "d1"})
	return desired, actual
}

var groupCount int

func driftMembers(a *Object) bool {
	groupCount++
	if groupCount%100 == 0 && len(a.Members) > 1 {
		a.Members = a.Members[1:]
	}
	return true
}

func benchCompute(b *testing.B, persons int, sorted bool) {
	desired, actual := benchState(persons)
	if sorted {
		// As a projection returns them (and some readers do): by key.
		byKey := func(x, y Object) int { return strings.Compare(x.Key, y.Key) }
		slices.SortFunc(desired, byKey)
		slices.SortFunc(actual, byKey)
	}
	opt := Options{Now: testNow, Quarantine: "ou/disabled", Retired: "ou/retired"}
	p, err := Compute(desired, actual, opt)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	b.ResetTimer()
	cpu0 := cpuTime()
	n := 0
	for b.Loop() {
		if _, err := Compute(desired, actual, opt); err != nil {
			b.Fatal(err)
		}
		n++
	}
	// CPU time per plan (all threads, including GC), which is steadier
	// than wall time on a shared machine.
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(n), "cpu-ms/op")
	b.ReportMetric(float64(len(desired)), "objects")
	b.ReportMetric(float64(len(p.Changes)), "changes")
}

// cpuTime returns the user+system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCompute60k plans a 60,000-person municipality with 1 % drift.
// Neither input is sorted by key.
func BenchmarkCompute60k(b *testing.B) { benchCompute(b, 60_000, false) }

// BenchmarkCompute1M plans a 1,000,000-person (national scale) object set
// with 1 % drift. Neither input is sorted by key.
func BenchmarkCompute1M(b *testing.B) { benchCompute(b, 1_000_000, false) }

// BenchmarkCompute60kSorted is BenchmarkCompute60k with both inputs sorted
// by key, as a projection returns the desired objects.
func BenchmarkCompute60kSorted(b *testing.B) { benchCompute(b, 60_000, true) }

// BenchmarkCompute1MSorted is BenchmarkCompute1M with both inputs sorted
// by key.
func BenchmarkCompute1MSorted(b *testing.B) { benchCompute(b, 1_000_000, true) }

// BenchmarkCheck measures the threshold check of the 60k plan.
func BenchmarkCheck60k(b *testing.B) {
	desired, actual := benchState(60_000)
	p, err := Compute(desired, actual, Options{Now: testNow, Quarantine: "ou/disabled"})
	if err != nil {
		b.Fatal(err)
	}
	th := DefaultThresholds()
	for b.Loop() {
		_ = p.Check(th)
	}
}
