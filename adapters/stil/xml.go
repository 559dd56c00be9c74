package stil

// The x* types mirror the WS-17 v7 "fuld myndighed" shapes. Field tags carry
// local names only, so that both namespace generations seen in the wild
// (https://brugerdatabasen.stil.dk/bpi/wsieksport/7/... and the older
// https://wsieksport.unilogin.dk/...) decode alike. Every value is read as
// text and checked by the converter, so a malformed value becomes a
// RecordError instead of failing the whole document.

type xGroup struct {
	ID       string `xml:"GroupId"`
	Name     string `xml:"GroupName"`
	Type     string `xml:"GroupType"`
	Level    string `xml:"GroupLevel"`
	Line     string `xml:"Line"`
	FromDate string `xml:"FromDate"`
	ToDate   string `xml:"ToDate"`
}

type xInstitutionPerson struct {
	Source        string     `xml:"source,attr"`
	LocalPersonID string     `xml:"LocalPersonId"`
	UNILogin      *xUNILogin `xml:"UNILogin"`
	Person        *xPerson   `xml:"Person"`
	Employee      *xEmployee `xml:"Employee"`
	Student       *xStudent  `xml:"Student"`
	Extern        *xExtern   `xml:"Extern"`
}

type xUNILogin struct {
	UserID string `xml:"UserId"`
	Name   string `xml:"Name"`
	CPR    string `xml:"CivilRegistrationNumber"`
}

type xPerson struct {
	Protected       string    `xml:"protected,attr"`
	FirstName       string    `xml:"FirstName"`
	FamilyName      string    `xml:"FamilyName"`
	UserID          string    `xml:"UserId"`
	CPR             string    `xml:"CivilRegistrationNumber"`
	CPRType         string    `xml:"CivilRegistrationNumberType"`
	Email           string    `xml:"EmailAddress"`
	BirthDate       string    `xml:"BirthDate"`
	Gender          string    `xml:"Gender"`
	PhotoID         string    `xml:"PhotoId"`
	Address         *xAddress `xml:"Address"`
	HomePhone       *xPhone   `xml:"HomePhoneNumber"`
	WorkPhone       *xPhone   `xml:"WorkPhoneNumber"`
	MobilePhone     *xPhone   `xml:"MobilePhoneNumber"`
	AliasFirstName  string    `xml:"AliasFirstName"`
	AliasFamilyName string    `xml:"AliasFamilyName"`
}

type xAddress struct {
	Street           string `xml:"StreetAddress"`
	PostalCode       string `xml:"PostalCode"`
	PostalDistrict   string `xml:"PostalDistrict"`
	CountryCode      string `xml:"CountryCode"`
	Country          string `xml:"Country"`
	MunicipalityCode string `xml:"MunicipalityCode"`
	MunicipalityName string `xml:"MunicipalityName"`
}

type xPhone struct {
	Protected string `xml:"protected,attr"`
	Number    string `xml:",chardata"`
}

type xEmployee struct {
	Roles      []string `xml:"Role"`
	ShortName  string   `xml:"ShortName"`
	Occupation string   `xml:"Occupation"`
	Location   string   `xml:"Location"`
	GroupIDs   []string `xml:"GroupId"`
}

type xStudent struct {
	Role          string     `xml:"Role"`
	StudentNumber string     `xml:"StudentNumber"`
	Level         string     `xml:"Level"`
	Location      string     `xml:"Location"`
	MainGroupID   string     `xml:"MainGroupId"`
	GroupIDs      []string   `xml:"GroupId"`
	Contacts      []xContact `xml:"ContactPerson"`
}

type xContact struct {
	Relation     string     `xml:"relation,attr"`
	ChildCustody string     `xml:"childCustody,attr"`
	AccessLevel  string     `xml:"accessLevel,attr"`
	Person       *xPerson   `xml:"Person"`
	UNILogin     *xUNILogin `xml:"UNILogin"`
}

type xExtern struct {
	Role     string   `xml:"Role"`
	GroupIDs []string `xml:"GroupId"`
}
