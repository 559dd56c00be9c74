package entra_test

import (
	"fmt"

	"github.com/orgsync/orgsync/adapters/entra"
)

// The directory extension properties a configuration uses; register them
// on the application (targets User, Group, AdministrativeUnit) before the
// first run.
func ExampleConfig_ExtensionProperties() {
	cfg := entra.DefaultConfig()
	cfg.Domain = "skole.kommune.dk"
	cfg.Mark = "orgsync"
	cfg.AppID = "0f0e0d0c-0b0a-4908-8706-050403020100"
	cfg.ExtensionAttrs = []string{"globalRole", "disabledDate"}
	for _, p := range cfg.ExtensionProperties() {
		fmt.Println(p)
	}
	// Output:
	// extension_0f0e0d0c0b0a49088706050403020100_orgsyncKey
	// extension_0f0e0d0c0b0a49088706050403020100_globalRole
	// extension_0f0e0d0c0b0a49088706050403020100_disabledDate
	// extension_0f0e0d0c0b0a49088706050403020100_orgsyncName
}
