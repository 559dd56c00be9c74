package naming_test

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"testing"

	"github.com/orgsync/orgsync/naming"
)

var (
	benchGiven = []string{"Søren", "Anne-Mette", "Bjørn", "Mette", "Lars", "Jens", "Hanne", "Peter", "Kirsten", "Michael",
		"Ida", "Emma", "Freja", "Noah", "William", "Oscar", "Lucas", "Alma", "Clara", "Karla", "Mads", "Frederik",
		"Ærø", "Åse", "Øjvind", "Nguyễn", "Mohammad", "Fatima", "Jean-Luc", "Zeynep", "Aksel", "Magnus", "Sofie",
		"Laura", "Victor", "Johan", "Ella", "Agnes", "Asger", "Malthe", "Vigga", "Ellen", "Olivia", "Carl", "Anton",
		"Liva", "Nora", "Storm", "Marius", "Esther"}
	benchFamily = []string{"Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
		"Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Christiansen", "Poulsen",
		"Johansen", "Møller", "Mortensen", "Østergård", "Ærø-Åkjær", "Ågesen", "d'Aubigné", "O'Brien", "Nguyen",
		"Yılmaz", "Ali", "Holm", "Berg", "Lund", "Bach", "Dahl", "Vestergaard", "Knudsen", "Frederiksen", "Bak",
		"Krogh", "Skov", "Kjær", "Friis", "Vinther", "Lauridsen", "Iversen", "Jakobsen", "Winther", "Svendsen",
		"Juhl", "Bruun", "Mikkelsen"}
)

// benchPersons returns n persons with Danish and mixed-origin names; one
// in 200 has a name without Latin letters.
func benchPersons(n int) []naming.Person {
	r := mrand.New(mrand.NewPCG(1, 2))
	out := make([]naming.Person, n)
	for i := range out {
		p := naming.Person{ID: fmt.Sprintf("person-%06d", i)}
		if i%200 == 199 {
			p.GivenName, p.FamilyName = "Владимир", "Иванов"
		} else {
			p.GivenName = benchGiven[r.IntN(len(benchGiven))]
			p.FamilyName = benchFamily[r.IntN(len(benchFamily))]
		}
		out[i] = p
	}
	return out
}

// countingChecker counts checks and collisions.
type countingChecker struct {
	naming.Checker
	checks, taken int
}

func (c *countingChecker) Exists(ctx context.Context, u string) (bool, error) {
	ok, err := c.Checker.Exists(ctx, u)
	c.checks++
	if ok {
		c.taken++
	}
	return ok, err
}

// collisionSetup returns a checker pre-filled so that 30 % of the persons
// find their first candidate taken: it runs the batch once with the same
// seed and reserves the usernames of 3 persons in 10.
func collisionSetup(b *testing.B, std *naming.Standard, persons []naming.Person) *naming.Reserved {
	g, err := naming.NewGenerator(std, naming.NewReserved(), naming.Options{Rand: seeded(5)})
	if err != nil {
		b.Fatal(err)
	}
	first, err := g.Assign(context.Background(), persons)
	if err != nil {
		b.Fatal(err)
	}
	taken := naming.NewReserved()
	for i, a := range first {
		if i%10 < 3 {
			taken.Add(a.Username)
		}
	}
	return taken
}

// BenchmarkAssign100k assigns 100,000 usernames in one batch against an
// in-memory checker where 30 % of the first candidates are taken.
func BenchmarkAssign100k(b *testing.B) {
	const n = 100_000
	persons := benchPersons(n)
	// DigitsName is left out: 1,000 usernames per three letters cannot hold
	// 100,000 persons with 50 first names.
	for _, std := range []*naming.Standard{naming.UNILogin(), must(naming.NameDigits(4)), must(naming.Random(8))} {
		b.Run(std.Name(), func(b *testing.B) {
			taken := collisionSetup(b, std, persons)
			var c *countingChecker
			b.ReportAllocs()
			for b.Loop() {
				c = &countingChecker{Checker: taken}
				g, err := naming.NewGenerator(std, c, naming.Options{Rand: seeded(5)})
				if err != nil {
					b.Fatal(err)
				}
				out, err := g.Assign(context.Background(), persons)
				if err != nil {
					b.Fatal(err)
				}
				if len(out) != n {
					b.Fatal("short result")
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/username")
			b.ReportMetric(100*float64(taken.Len())/n, "%prefilled")
			b.ReportMetric(float64(c.checks)/n, "checks/username")
			b.ReportMetric(100*float64(c.taken)/float64(c.checks), "%checks-taken")
		})
	}
}

// BenchmarkUsername is one Username call at a time (no batch cursor), for
// comparison, with the same 30 % collision setup.
func BenchmarkUsername(b *testing.B) {
	persons := benchPersons(10_000)
	std := must(naming.NameDigits(4))
	taken := collisionSetup(b, std, persons)
	g, err := naming.NewGenerator(std, taken, naming.Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		if _, err := g.Username(ctx, persons[i%len(persons)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkTransliterate(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range []string{"Søren Ærø-Åkjær", "Nguyễn Thị Minh Khai", "Anne Hansen"} {
			naming.Transliterate(s)
		}
	}
}

func BenchmarkTemplateExecute(b *testing.B) {
	tpl := naming.MustParseTemplate("bench", "{INSTITUTION_NAME} ({INSTITUTION_NUMBER}) {CLASS_YEAR:-2}{CLASS_LINE:lower}")
	b.ReportAllocs()
	for b.Loop() {
		tpl.Execute(vars)
	}
}

func BenchmarkEscapeDN(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		naming.EscapeDN("Søndervangskolen, afd. Syd #2")
	}
}

func BenchmarkPassword(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := naming.Password(nil, naming.PasswordPolicy{}); err != nil {
			b.Fatal(err)
		}
	}
}
