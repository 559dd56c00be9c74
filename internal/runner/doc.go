// Package runner is the command-line plumbing the starter binaries under
// examples/ share: their flags, the YAML configuration file, progress and
// failure printing, the documented exit codes, and the dry-run preview of
// the export binaries (asm-upload, oneroster-export). The pipeline itself
// is the public package provision; runner only turns flags into a
// provision.Job and its outcome into an exit code, so that the binaries
// behave alike.
package runner
