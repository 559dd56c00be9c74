package auditlog

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// Erase copies the log read from r to w without the records up to and
// including seq upto (retention: records older than the retention are
// erased), after verifying it with key's public half. The copy starts with
// a signed erasure marker ("erased up to upto", with the hash of record
// upto): the remaining records keep their seq and prev, so Verify still
// passes and still finds tampering in what remains. Pick upto as the last
// record older than the retention. now stamps the marker.
func Erase(r io.Reader, w io.Writer, key ed25519.PrivateKey, upto int64, now time.Time) error {
	if key == nil {
		return fmt.Errorf("%w: erase needs the signing key", ErrRecord)
	}
	all, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("auditlog: erase: %w", err)
	}
	rep, err := Verify(bytes.NewReader(all), VerifyOptions{PublicKey: key.Public().(ed25519.PublicKey)})
	if err != nil {
		return fmt.Errorf("auditlog: erase: %w", err)
	}
	lines := bytes.Split(bytes.TrimSuffix(all, []byte("\n")), []byte("\n"))
	head := ""
	if upto <= rep.ErasedUpTo || upto > rep.Last {
		return fmt.Errorf("%w: erase up to %d: the log holds records %d to %d", ErrRecord, upto, rep.First, rep.Last)
	}
	skip := 0
	for i, l := range lines {
		var x line
		if err := json.Unmarshal(l, &x); err != nil {
			return fmt.Errorf("auditlog: erase: %w", err)
		}
		if x.Type == TypeErased {
			continue
		}
		if x.Seq == upto {
			head, skip = hashLine(l), i+1
			break
		}
	}
	c := checkpoint{Time: now.UTC().Truncate(time.Second), Upto: upto, Head: head, Key: KeyID(key.Public().(ed25519.PublicKey))}
	c.Sig = base64.StdEncoding.EncodeToString(ed25519.Sign(key, checkpointMessage(TypeErased, c.Upto, c.Head, c.Time)))
	body, _ := json.Marshal(c)
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, `{"seq":0,"prev":"","type":%q,%s`+"\n", TypeErased, body[1:])
	for _, l := range lines[skip:] {
		bw.Write(l)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}
