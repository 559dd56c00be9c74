// Package naming turns people and organisation into names that directories
// accept, the same way in every adapter: transliteration, name templates for
// OUs, groups, mail addresses, Teams and drives, per-target validators and
// escapers, username standards with collision handling, and initial
// passwords.
//
// naming is part of orgsync's pure core. It does no I/O of its own and never
// reads the clock; the only outside call is Checker.Exists, a small
// ctx-first interface through which a Generator asks whether a username is
// taken (in any target, in orgsync's store or reserved). It is not a
// directory client, not a store of assigned usernames (callers persist what
// Assign returns) and not a place for target policy such as which OU a user
// goes to.
//
// # Transliteration
//
// Transliterate gives printable ASCII for usernames, mail addresses and ids:
// NFC first (input arrives composed and decomposed), then æ→ae, ø→oe, å→aa
// (Æ→Ae, or AE in an all-capitals word), other Latin letters folded to their
// base (é→e, ü→u, ñ→n, ł→l, ß→ss), anything else dropped, control and
// zero-width characters stripped, white space collapsed:
//
//	Søren Ærø-Åkjær        → Soeren Aeroe-Aakjaer
//	Nguyễn Thị Minh Khai   → Nguyen Thi Minh Khai
//	Jean-Luc d’Aubigné     → Jean-Luc d'Aubigne
//
// Clean is the display mode for targets that take Unicode (display names, OU
// and group names): it keeps Danish and other letters and only strips
// invisible characters and collapses white space. Slug makes a lower-case
// a-z0-9 identifier with '-' between words ("3.A Søndervang" → "3-a-soendervang").
//
// # Name templates
//
// ParseTemplate compiles a template such as "{INSTITUTION_NAME}
// ({INSTITUTION_NUMBER})" once, at configuration time; an unknown
// placeholder or bad modifier is an error then, naming the template.
// Placeholders are INSTITUTION_NAME, INSTITUTION_ABBREVIATION,
// INSTITUTION_NUMBER, CLASS_NAME, CLASS_ID, CLASS_LEVEL, CLASS_YEAR (the
// year the class started), CLASS_LINE, TYPE and SCHOOL_YEAR; modifiers cut
// ("{CLASS_YEAR:-2}" keeps "24" of "2024", "{INSTITUTION_NAME:20}" the first
// 20 characters) or convert (lower, upper, ascii, slug). An empty template
// means "do not create this object". A ClassTemplate adds the fallback used
// for a class without start year or line.
//
// # Target rules
//
// ADName prepares CN and OU values (& → " og ", / → space, at most 64);
// EscapeDN and EscapeFilter escape for DNs (RFC 4514) and search filters
// (RFC 4515); DisplayName builds "{given} {family} ({username})" within a
// limit. The Valid* functions report every broken rule of a value for AD
// sAMAccountName and CN/OU names, Entra mailNickname and userPrincipalName,
// Google usernames and group addresses, and Apple School Manager ids, as
// *InvalidNameError.
//
// # Username standards
//
// A Standard says how a username is made from a name and a number, and how
// many numbers there are. Name letters are transliterated and lower case;
// every standard keeps usernames within 20 characters (sAMAccountName) and
// to a-z, 0-9 (plus '.', '-', '_' where a custom standard writes them), so a
// username is valid in every target (ValidUsername). The standards in use in
// Danish municipalities:
//
//	UNILogin()          {name:4}{n:4}   søren ærø-åkjær → soer0001, soer0002, ...
//	                                     4 letters + 4-digit sequence; 10,000 per 4 letters
//	NameDigits(4)       {name:4}{d:4}   → soer4711; 4 letters + N random digits
//	DigitsName()        {d:3}{name:3}   → 472soe; 1,000 per 3 letters
//	PrefixName("elev",2) elev{first}{last}{d:2} → elevsoerenaeroeaak17
//	                                     names shortened to fit 20 characters
//	Random(8)           {l:1}{r:7}      → k3x9q2ma; ignores the name
//	ParseStandard(name, "{first:3}{last:3}{n}") → soeaer, soeaer1, soeaer2, ...
//	                                     a municipality's own standard
//	NoLatinFallback()   u{r:7}          → u7k2m9qa; for names without Latin letters
//
// {name:N} takes N letters from the first given name, completes them from
// the last family name and pads with 'x' ("Bo Li" → boli, "Bo" → boxx). See
// ParseStandard for the whole template vocabulary. StandardByName reads the
// one-string form a configuration file uses: "uni-login", "name+digits:N",
// "digits+name", "prefix:N", "random:N" or a template.
//
// A username made from the name always holds letters of the name: when
// every name part a standard uses is empty for a person ("{last}{n}" and a
// family name without Latin letters), the fallback standard is used. A
// separator that an empty part leaves at either end is dropped
// ("{first}_{last}{n}" without a given name gives "hansen"), and a
// standard whose own text starts or ends with a separator is refused.
// When no candidate was taken yet none could be used (all invalid or
// deny-listed), the *ExhaustedError says so.
//
// A Generator walks the whole number space of its standard before it gives
// up: sequence standards in order, all others along a keyed pseudo-random
// permutation of the space, so no number is skipped. The permutation's key
// is derived from the person's ID (and Options.Salt) by default, so a
// person's username depends only on the inputs and a dry run shows the
// usernames the apply creates; with Options.Rand it is drawn from that
// source instead.
// A candidate that contains a deny-listed substring is skipped. When nothing
// is left, the error is an *ExhaustedError naming the person and the
// standard (errors.Is(err, ErrExhausted)).
//
// Stability rules: an existing username never changes (Person.Existing); a
// username reserved by the source wins over the standard (Person.Reserved);
// one person keeps one username across institutions and targets (Assign
// merges entries with the same ID). Names with no Latin letters (Greek,
// Cyrillic, Arabic, Chinese) get a username from the fallback standard.
//
// Generator.Assign gives usernames to a whole batch efficiently: it claims
// existing and reserved names first, keeps generated names unique in the
// batch without asking the Checker again, and resumes sequence standards
// where the previous person with the same letters stopped. Reserved is an
// in-memory Checker for tests and the embedded default directory;
// AnyChecker combines the checkers of several targets.
//
// # Passwords
//
// Password draws an initial password from crypto/rand: 36 letters and digits
// by default, configurable length and alphabet, always with an upper-case
// letter, a lower-case letter and a digit (AD complexity). A password is a
// secret: never log it or put it in a plan or an audit record.
package naming
