// Package payroll is the payroll check (lønkontrol): it reads employments
// from the payroll system and sorts the organisation's employees into the
// logical groups "active employees" (an employment runs today) and
// "inactive employees" (none does), which any directory target can
// provision like the other catalogue groups.
//
// An employment is active at a day when entry date ≤ day ≤ leave date, both
// inclusive, a missing date being open. Employees are matched to
// employments by CPR number (text, ten digits), or by username when the
// source has one.
//
// # Sources
//
// OPUS XML (ReadOPUS). This is orgsync's documented shape, modelled on the
// employee elements of KMD OPUS Løn's organisation extracts as they are
// publicly described; it is not a KMD specification. Only the fields below
// are read; everything else is ignored, at any depth:
//
//	<kmd>
//	  <employee id="0012345" action="">          id: employee number (tjenestenummer)
//	    <cpr>0302781234</cpr>                    required, ten digits (DDMMYY-SSSS accepted)
//	    <entryDate>2020-08-01</entryDate>        optional, first day
//	    <leaveDate>2025-07-31</leaveDate>        optional, last day; 9999-12-31 = open
//	    <userId>sooe</userId>                    optional, directory username
//	    <orgUnit>1234</orgUnit>                  optional, payroll unit
//	    <position>Lærer</position>               optional, title
//	  </employee>
//	  <employee id="0099999" action="leave"/>    empty element: employment ended
//	</kmd>
//
// SQL (ReadSQL): any query through database/sql whose result has the
// columns employee_id, cpr, start_date, stop_date (DATE or text
// YYYY-MM-DD, NULL = open) and optionally username, unit, title. Tested
// against MariaDB with github.com/go-sql-driver/mysql.
//
// CSV (ReadCSV): the same column names in a header line, ';' or ','
// separated, UTF-8 with an optional byte-order mark.
//
// OS2sofd (SOFD Core): SOFDClient pages through the instance's
// GET /api/v2/persons (offset paging, API key in the header "ApiKey") and
// ReadSOFD reads saved answers (provision format "os2sofd"); each EMPLOYEE
// affiliation is one employment (see os2sofd.go for the field mapping).
// Package sofdfake fakes the endpoint.
//
// Problems with single records are collected and returned together, each
// naming its record (OPUS: employee[i] and id; CSV: line; SQL: row);
// the valid records are still returned.
//
// This package does not create users: it only computes the two groups.
package payroll
