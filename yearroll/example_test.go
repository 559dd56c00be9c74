package yearroll_test

import (
	"fmt"
	"os"

	"github.com/orgsync/orgsync/yearroll"
)

func ExampleRoll() {
	ids := func(prefix string, n int) []string {
		var out []string
		for i := 1; i <= n; i++ {
			out = append(out, fmt.Sprintf("%s%d", prefix, i))
		}
		return out
	}
	a, b, c := ids("a", 20), ids("b", 20), ids("c", 20)
	old := []yearroll.Class{
		{Institution: "280001", ID: "2A", Level: "2", Line: "A", Pupils: a},
		{Institution: "280001", ID: "2B", Level: "2", Line: "B", Pupils: b},
		{Institution: "280001", ID: "5x", Level: "5", Line: "x", Pupils: c},
		{Institution: "280001", ID: "9A", Level: "9", Line: "A", Pupils: ids("n", 20)},
	}
	cur := []yearroll.Class{
		// Level 3 is paired whole by line, whatever the pupils did.
		{Institution: "280001", ID: "3A", Level: "3", Line: "A", Pupils: append(a[:10:10], b[:10]...)},
		{Institution: "280001", ID: "3B", Level: "3", Line: "B", Pupils: append(a[10:], b[10:]...)},
		// Level 6 was re-split; 6y keeps 15 of its 20 pupils from 5x.
		{Institution: "280001", ID: "6y", Level: "6", Line: "y", Pupils: append(c[:15:15], ids("m", 5)...)},
		{Institution: "280001", ID: "6z", Level: "6", Line: "z", Pupils: append(c[15:], ids("k", 15)...)},
		{Institution: "280001", ID: "0A", Level: "0", Line: "A", Pupils: ids("k0", 20)},
	}
	r := yearroll.Roll(old, cur, yearroll.Options{})
	fmt.Println(r.Lineage())
	if err := r.Explain(os.Stdout); err != nil {
		fmt.Println(err)
	}
	// Output:
	// map[280001/3A:280001/2A 280001/3B:280001/2B 280001/6y:280001/5x]
	// year roll: overlap threshold 70% of the new class's pupils (new-share)
	//
	// institution 280001: 3 matched, 2 new, 1 retired
	//   level 3: whole level by line
	//     3A <- 2A: whole-level, 10 of 20 pupils kept (50% of new, 50% of old)
	//     3B <- 2B: whole-level, 10 of 20 pupils kept (50% of new, 50% of old)
	//   level 6: class by class (no single line partner for 6y, 6z)
	//     6y <- 5x: overlap, 15 of 20 pupils kept (75% of new, 75% of old)
	//     6z new: below-threshold, best candidate 5x shares 5 pupils (25% of new, 25% of old)
	//   other new classes
	//     0A new: level-0, a new 0th grade is always new
	//   retired classes of last year
	//     9A retired: level-10, its next level is the 10th grade, which is always new
}
