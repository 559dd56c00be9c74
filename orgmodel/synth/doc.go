// Package synth generates deterministic synthetic municipalities for tests,
// benchmarks, demos and the quickstart. It is not a source adapter and its
// data is not real: names are drawn from lists of common names and CPR
// numbers are invented (see Generate).
//
// Generate builds a snapshot from a Config; the presets Tiny (about 200
// persons: two schools, one daycare and the administration), Small (5,000),
// Medium (60,000) and National (1,000,000) cover a demo to national scale.
// The same Config always gives the same snapshot, and the snapshot passes
// orgmodel's Validate. ReferenceTime gives a sensible "now" for it.
//
// NextYear (and Advance, which also describes what it did) returns the same
// municipality one school year later, the input for testing the year roll:
//
//   - the school year advances ("2025-2026" -> "2026-2027");
//   - every class moves up a level as a new STIL group with a new id and
//     the name of its new level (4A -> 5A, same line and start year);
//   - 10th graders leave, and a new 0th grade starts: daycare children of
//     the right age move from their daycare to a school, topped up with new
//     pupils; new one-year-olds start in daycare;
//   - a few pupils move to another school;
//   - at one school one level is re-split (three or more classes become one
//     fewer, or two become three), so the year roll must match those classes
//     one by one on the overlap of their pupils rather than as a whole level
//     by line; every continuing class keeps at least 70 % of its pupils.
//
// Advance's YearChange lists the intended successor of every class, so a
// year-roll matcher can be checked against it.
//
// synth is part of the pure core: no I/O, no clock, standard library only.
package synth
