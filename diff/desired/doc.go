// Package desired turns an orgmodel.Snapshot into the desired state of a
// directory: the container (OU) tree, one user per person who should have
// an account, and the groups of the logical group catalogue with their
// members, all named by the municipality's naming standards.
//
// A Config is the human-edited description (YAML/JSON friendly) of a
// target's layout and names; Compile parses every template once, so a bad
// placeholder is an error at configuration time, naming the template. The
// compiled Projection is then used for every run:
//
//	proj, err := cfg.Compile()
//	objs, err := proj.Build(snapshot, desired.Input{At: now, Usernames: names})
//
// Object keys are stable across runs and across renames, so that diff sees
// a renamed class as a Rename and never as a delete and create:
//
//	containers  ou/type/SCHOOL, ou/inst/<num>, ou/inst/<num>/employees,
//	            ou/inst/<num>/students, ou/inst/<num>/groups, ou/class/<classID>,
//	            ou/students, ou/employees, ou/students/<num>, ou/employees/<num>,
//	            ou/groups, ou/disabled, ou/retired
//	users       user/<personID>
//	groups      group/<catalogue key>  (see orgmodel.Catalogue)
//
// A class's identity (<classID>) defaults to its group key "inst/groupID";
// after a year roll (package yearroll) Input.ClassIDs carries last year's
// identity over to the matched new class, see CarryClassIDs.
//
// desired is part of the pure core: no I/O, no clock. Username assignment
// takes a naming.Checker, which callers back with their stores.
package desired
