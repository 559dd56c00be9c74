// Package agentlog is the on-premises agent's local log: a file an
// administrator can read on the server and hand over when asked.
//
// Open starts (or continues) the file <Dir>/<Name>.log. It is rotated when
// it would grow past Options.MaxSize and when the day (in Options.Location)
// changes; a rotated file is renamed to <Name>-<YYYYMMDD>T<HHMMSS.mmm>.log
// after the time it was rotated, and files rotated longer ago than
// Options.Retention (default 10 days, as the reference client keeps them)
// are removed at each rotation and at Open. Every record is one JSON line,
// written with a single write without buffering, so a crash loses nothing
// written before it.
//
// Log.Handler is a slog.Handler that keeps personal data out of the file
// beyond what the audit log holds (docs/AUDIT.md): values of attributes
// whose names hold password, pwd, secret, token, api key, authorization,
// credential, private key or cpr are written as "(hidden)", and every other
// text (message, strings, errors, structured values) goes through Redact,
// which hides key=value secrets and CPR-like numbers. Names, usernames and
// object keys stay: the audit log holds them too, and a log without them
// cannot be read.
//
// Log.Bundle writes the retained files (rotated and current) as one
// tar.gz, for the agent to upload to the broker on request.
//
// It is not the audit log (adapters/auditlog, diff.JSONLAuditor): nothing
// here is hash-chained or signed, and retention deletes it.
package agentlog
