package auditlog

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"testing"
)

// FuzzVerify: any input gives a report or an error matching ErrTampered
// (or a read error), never a panic; a log that verifies still verifies
// when read again.
func FuzzVerify(f *testing.F) {
	log, copies := sampleLog(f, 12)
	f.Add(log, copies)
	f.Add([]byte(`{"seq":0,"prev":"","type":"erased","upto":3,"head":"x","key":"k","sig":"AA=="}`+"\n"), []byte(nil))
	f.Add([]byte("{}\n\n"), []byte("{}"))
	pub := testKey(1).Public().(ed25519.PublicKey)
	f.Fuzz(func(t *testing.T, log, copies []byte) {
		for _, opt := range []VerifyOptions{{}, {PublicKey: pub, Final: true}, {Copies: bytes.NewReader(copies)}} {
			rep, err := Verify(bytes.NewReader(log), opt)
			var ve *VerifyError
			if err != nil && errors.As(err, &ve) && !errors.Is(err, ErrTampered) {
				t.Fatalf("VerifyError not matching ErrTampered: %v", err)
			}
			if err == nil && rep == nil {
				t.Fatal("no report and no error")
			}
		}
	})
}
