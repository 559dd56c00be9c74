package ad

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/attr"
)

// HookError is a hook that failed, timed out or could not start. Hooks
// never fail a change; their errors go to the log and Hooks.OnError.
type HookError struct {
	// Event is "create", "disable" or "update".
	Event string
	// Key is the user's Key.
	Key string
	// Username is the user's username.
	Username string
	// Output is the start of the command's combined output.
	Output string
	// Err is the failure.
	Err error
}

// Error describes the failed hook.
func (e HookError) Error() string {
	return fmt.Sprintf("ad: %s hook for %s (%s): %v", e.Event, e.Key, e.Username, e.Err)
}

// Unwrap returns the underlying failure.
func (e HookError) Unwrap() error { return e.Err }

// hookOutputMax caps the output kept in a HookError.
const hookOutputMax = 2048

// hook runs the configured hook for an applied user change.
func (c *Client) hook(ctx context.Context, ch diff.Change) {
	var h *Hook
	var event string
	switch ch.Action {
	case diff.Create, diff.Enable:
		h, event = c.cfg.Hooks.Create, "create"
	case diff.Disable:
		h, event = c.cfg.Hooks.Disable, "disable"
	case diff.Update, diff.Rename, diff.Move:
		h, event = c.cfg.Hooks.Update, "update"
	}
	if h == nil || ch.After == nil {
		return
	}
	if err := runHook(ctx, h, ch.After); err != nil {
		he := HookError{Event: event, Key: ch.Key, Username: ch.After.Attrs.Get(attr.Username), Err: err}
		var oe *outputError
		if ok := asOutput(err, &oe); ok {
			he.Output = oe.output
		}
		c.cfg.Logger.Warn("ad: hook failed", "event", event, "key", ch.Key, "username", he.Username, "err", err, "output", he.Output)
		if c.cfg.Hooks.OnError != nil {
			c.cfg.Hooks.OnError(he)
		}
	}
}

type outputError struct {
	err    error
	output string
}

func (e *outputError) Error() string { return e.err.Error() }
func (e *outputError) Unwrap() error { return e.err }

func asOutput(err error, target **outputError) bool {
	oe, ok := err.(*outputError)
	if ok {
		*target = oe
	}
	return ok
}

// runHook starts h for the user o and waits for it, up to h.Timeout.
func runHook(ctx context.Context, h *Hook, o *diff.Object) error {
	timeout := h.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	args := append(append([]string{}, h.Command[1:]...),
		o.Attrs.Get(attr.Username), o.Name, o.Attrs.Get(attr.GlobalRole))
	cmd := exec.CommandContext(ctx, h.Command[0], args...)
	cmd.WaitDelay = time.Second
	if h.JSON {
		b, err := json.Marshal(o)
		if err != nil {
			return err
		}
		cmd.Stdin = bytes.NewReader(b)
	}
	var out bytes.Buffer
	cmd.Stdout = &limitWriter{w: &out, n: hookOutputMax}
	cmd.Stderr = cmd.Stdout
	err := cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		err = fmt.Errorf("timed out after %s", timeout)
	}
	if err != nil {
		return &outputError{err: err, output: strings.TrimSpace(out.String())}
	}
	return nil
}

// limitWriter keeps the first n bytes and discards the rest.
type limitWriter struct {
	w *bytes.Buffer
	n int
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if room := l.n - l.w.Len(); room > 0 {
		l.w.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}
