// Package yearroll matches last school year's classes to this school year's
// at the year roll (årsrul), so that a class that moves up keeps its
// directory objects — groups, OUs, Teams, shared drives are renamed from
// "2A" to "3A" instead of being deleted and created again.
//
// It is part of the pure core: it does no I/O, reads no clock and imports
// only the standard library and orgmodel. It decides which class continues
// which; turning a match into rename and membership changes is the plan
// engine's job, and retiring the unmatched classes safely is the policy's.
//
// # Input
//
// Roll takes two lists of Class: the old classes (last school year) and the
// new ones (this school year). FromSnapshots builds them from two
// orgmodel.Snapshot values: main groups (hovedgrupper) and the pupils whose
// main group they are, where pupils who have left the institution by the new
// snapshot are not counted in the old classes.
//
// # Rules
//
// Each institution is rolled on its own, and within it each new level L
// (1st to 9th grade) is matched against old level L−1 on its own, so a
// problem in one level never affects another.
//
//  0. Eligibility. A new 0th grade, a new 10th grade and a class whose level
//     is not a number ("DT", "Andet") are always new; an old 10th grade and an
//     old 9th grade (whose successor would be a 10th grade) are always
//     retired. A class without pupils never matches, on either side. Classes
//     sharing an ID within an institution are reported as DuplicateID and
//     left out.
//  1. Whole level (WholeLevel). If every eligible new class at level L has
//     exactly one eligible old class at level L−1 with the same line
//     (compared trimmed and case-insensitively; an empty line never pairs),
//     and no two new classes share a line, those pairs are the match, whatever
//     the pupils did: 2A, 2B, 2C become 3A, 3B, 3C. Old classes left over
//     (2D) are retired.
//  2. Overlap (Overlap). Otherwise — even when only one class lacks a line
//     partner — the whole level is matched class by class: a pair is a
//     candidate when its share of shared pupils reaches Options.Threshold
//     (default 70 %; exactly 70 % matches) on the chosen Basis: of the new
//     class's pupils (NewShare, default, the municipalities' wording), of
//     the old class's remaining pupils (OldShare, the reference broker's
//     computation), or of both (Both). Among the candidates the optimal
//     one-to-one pairing is chosen (below).
//  3. Otherwise the class is new (or, for an old class, retired), and its
//     Outcome says why: NoCandidate, BelowThreshold with the best candidate
//     and its share, Outmatched with the class that won the candidate, or
//     NoLinePartner when its level was paired whole by line.
//  4. Kept ID (KeptID). Last, a class left new whose ID is the ID of a class
//     left retired at the same institution — a daycare group ("DT") or a
//     10th grade that STIL carries over with its group id — is the same
//     group: its directory objects are keyed by that ID and stay. It is
//     reported as a match, never as both new and retired.
//
// Explanations (Match.String, Outcome.String, Result.Explain) name a class
// by its name and ID, "1A (G0000053) <- 0A (G0000004)", when Class.Name is
// set (FromSnapshot takes it from the group's name).
//
// # Optimal pairing and tie-break
//
// Within a level the overlap pairing is an assignment problem. Roll solves it
// exactly (Hungarian algorithm, O(k³) for k classes in a connected group of
// candidates) and picks, among all one-to-one pairings of candidate pairs,
// the one that is best by these criteria in order:
//
//  1. most pupils kept together (sum of shared pupils over the pairs);
//  2. most pairs (more classes keep their directory objects);
//  3. most pairs with the same line (2A → 3A over 2B → 3A);
//  4. fewest pupils in the paired classes (for the same number kept
//     together, the higher shares);
//  5. the canonical order: taking new classes in ID order (byte-wise), each
//     gets the old class with the smallest ID it can have in a pairing that
//     is best by 1–4, being unmatched counting last.
//
// The criteria are compared as exact integer vectors, so there is no
// rounding and no overflow; and because criterion 5 is defined on IDs, the
// result does not depend on the order of the input or of the pupils.
//
// # Better than the reference broker
//
// The reference broker (OS2skoledata) compares only lines in the whole-level
// rule without checking that the pairing is one-to-one, lets the last
// candidate found in an unordered list win the 70 % rule (so two new classes
// can claim the same old class and the result depends on order), lets an
// empty old class match anything, counts pupils who have left, and has no
// tests. Here both rules are one-to-one, the pairing is provably optimal
// with a documented tie-break, empty classes and leavers never count, and
// every class comes with an explanation (Result.Explain).
//
// # Partial line partners
//
// When some but not all new classes of a level have a line partner, the
// level falls back to overlap as a whole; the line then only breaks ties
// (criterion 3). Pairing the partnered classes by line and the rest by
// overlap was rejected: a re-split level (2A, 2B → 3A, 3B, 3C with mixed
// pupils) would rename 2A to 3A even when 3A's pupils came from 2B.
package yearroll
