package payroll

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// OS2sofd (SOFD Core) as a payroll source. Its API v2 serves the persons
// with their affiliations (employments) as JSON: GET /api/v2/persons with
// size and offset (the uuid of the last person of the previous page, in
// "nextOffset"; an empty page ends the list), authenticated by an API key
// in the header "ApiKey". The fields used, as in SOFD Core's
// PersonApiRecord / AffiliationApiRecord / UserApiRecord:
//
//	{"page": 0, "nextOffset": "<uuid>", "persons": [{
//	  "uuid": "…", "cpr": "0101801234", "firstname": "…", "surname": "…",
//	  "users": [{"userId": "abc", "userType": "ACTIVE_DIRECTORY", "prime": true}],
//	  "affiliations": [{"master": "OPUS", "masterId": "…", "employeeId": "12345",
//	    "startDate": "2020-08-01", "stopDate": null, "orgUnitUuid": "…",
//	    "positionName": "Lærer", "affiliationType": "EMPLOYEE", "deleted": false}]}]}
//
// Every affiliation of type EMPLOYEE (or without a type) is one
// Employment: employeeId (else masterId) as EmployeeNumber, the person's
// CPR, the prime ACTIVE_DIRECTORY user's userId as Username, orgUnitUuid
// as Unit, positionName as Title, startDate/stopDate as Entry/Leave, and
// deleted as Ended. Other affiliation types (EXTERNAL) are not payroll.
// Package sofdfake is a fake of the endpoint for tests.

// SOFDPage is one answer of GET /api/v2/persons.
type SOFDPage struct {
	Page       int          `json:"page"`
	NextOffset string       `json:"nextOffset,omitempty"`
	Persons    []SOFDPerson `json:"persons"`
}

// SOFDPerson is the part of a SOFD Core person payroll reads.
type SOFDPerson struct {
	UUID         string            `json:"uuid"`
	CPR          string            `json:"cpr,omitempty"`
	Firstname    string            `json:"firstname,omitempty"`
	Surname      string            `json:"surname,omitempty"`
	Users        []SOFDUser        `json:"users,omitempty"`
	Affiliations []SOFDAffiliation `json:"affiliations,omitempty"`
}

// SOFDUser is a user account of a SOFD Core person.
type SOFDUser struct {
	UserID   string `json:"userId"`
	UserType string `json:"userType"`
	Prime    bool   `json:"prime,omitempty"`
}

// SOFDAffiliation is an affiliation of a SOFD Core person.
type SOFDAffiliation struct {
	Master          string  `json:"master,omitempty"`
	MasterID        string  `json:"masterId,omitempty"`
	EmployeeID      string  `json:"employeeId,omitempty"`
	StartDate       *string `json:"startDate"`
	StopDate        *string `json:"stopDate"`
	OrgUnitUUID     string  `json:"orgUnitUuid,omitempty"`
	PositionName    string  `json:"positionName,omitempty"`
	AffiliationType string  `json:"affiliationType,omitempty"`
	Deleted         bool    `json:"deleted,omitempty"`
}

// SOFDEmployments turns SOFD Core persons into employments, reporting
// every bad record (by person uuid and affiliation, never the CPR) in a
// *ParseError; the good ones are returned either way.
func SOFDEmployments(persons []SOFDPerson) ([]Employment, error) {
	var (
		out []Employment
		ps  []*RecordError
	)
	for _, p := range persons {
		user := ""
		for _, u := range p.Users {
			if u.UserType == "ACTIVE_DIRECTORY" && (u.Prime || user == "") {
				user = u.UserID
			}
		}
		for i, a := range p.Affiliations {
			if a.AffiliationType != "" && a.AffiliationType != "EMPLOYEE" {
				continue
			}
			id := a.EmployeeID
			if id == "" {
				id = a.MasterID
			}
			where := fmt.Sprintf("person %s affiliation %d", p.UUID, i+1)
			str := func(s *string) string {
				if s == nil {
					return ""
				}
				return *s
			}
			e, ok := fromStrings(id, p.CPR, str(a.StartDate), str(a.StopDate), user, a.OrgUnitUUID, a.PositionName, where, &ps)
			e.Ended = a.Deleted
			if ok {
				out = append(out, e)
			}
		}
	}
	return out, asError(ps)
}

// ReadSOFD reads saved answers of GET /api/v2/persons: one page object, a
// JSON array of pages, or a JSON array of persons.
func ReadSOFD(r io.Reader) ([]Employment, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("payroll: read os2sofd: %w", err)
	}
	var persons []SOFDPerson
	var page SOFDPage
	var pages []SOFDPage
	switch t := strings.TrimSpace(string(b)); {
	case strings.HasPrefix(t, "{"):
		if err := json.Unmarshal(b, &page); err != nil {
			return nil, fmt.Errorf("payroll: read os2sofd: %w: %w", ErrRecord, err)
		}
		persons = page.Persons
	case strings.HasPrefix(t, "[{\"page\"") || strings.Contains(t[:min(len(t), 200)], "\"persons\""):
		if err := json.Unmarshal(b, &pages); err != nil {
			return nil, fmt.Errorf("payroll: read os2sofd: %w: %w", ErrRecord, err)
		}
		for _, p := range pages {
			persons = append(persons, p.Persons...)
		}
	default:
		if err := json.Unmarshal(b, &persons); err != nil {
			return nil, fmt.Errorf("payroll: read os2sofd: %w: %w", ErrRecord, err)
		}
	}
	return SOFDEmployments(persons)
}

// ErrSOFD is wrapped by errors from the OS2sofd API.
var ErrSOFD = errors.New("os2sofd api")

// SOFDClient reads the persons of a SOFD Core instance.
type SOFDClient struct {
	// BaseURL is the instance, e.g. https://kommune.sofd.io.
	BaseURL string
	// APIKey is sent in the header "ApiKey"; give it read access only.
	APIKey string
	// HTTP is the client (default http.DefaultClient).
	HTTP *http.Client
	// PageSize is the size parameter (default 500).
	PageSize int
}

// Persons reads every person, page by page (offset paging).
func (c *SOFDClient) Persons(ctx context.Context) ([]SOFDPerson, error) {
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	size := c.PageSize
	if size <= 0 {
		size = 500
	}
	var out []SOFDPerson
	offset := ""
	for page := 0; ; page++ {
		q := url.Values{"size": {strconv.Itoa(size)}}
		if offset != "" {
			q.Set("offset", offset)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(c.BaseURL, "/")+"/api/v2/persons?"+q.Encode(), nil)
		if err != nil {
			return nil, fmt.Errorf("payroll: %w: %w", ErrSOFD, err)
		}
		req.Header.Set("ApiKey", c.APIKey)
		req.Header.Set("Accept", "application/json")
		res, err := hc.Do(req)
		if err != nil {
			return nil, fmt.Errorf("payroll: %w: page %d: %w", ErrSOFD, page, err)
		}
		var p SOFDPage
		err = json.NewDecoder(io.LimitReader(res.Body, 256<<20)).Decode(&p)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("payroll: %w: page %d: HTTP %d", ErrSOFD, page, res.StatusCode)
		}
		if err != nil {
			return nil, fmt.Errorf("payroll: %w: page %d: %w", ErrSOFD, page, err)
		}
		if len(p.Persons) == 0 {
			return out, nil
		}
		out = append(out, p.Persons...)
		if p.NextOffset == "" || p.NextOffset == offset {
			return out, nil
		}
		offset = p.NextOffset
	}
}

// Employments reads every person and returns their employments (see
// SOFDEmployments).
func (c *SOFDClient) Employments(ctx context.Context) ([]Employment, error) {
	persons, err := c.Persons(ctx)
	if err != nil {
		return nil, err
	}
	return SOFDEmployments(persons)
}
