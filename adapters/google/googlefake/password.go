package googlefake

import "crypto/subtle"

// PasswordIs reports whether the user (by email, id or alias) has the
// password pw, as a test checks a password set through the API (the
// fake keeps passwords as given; Google keeps only a hash).
func (f *Fake) PasswordIs(user, pw string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	u := f.st.userByKey(user)
	return u != nil && u.Password != "" && subtle.ConstantTimeCompare([]byte(u.Password), []byte(pw)) == 1
}
