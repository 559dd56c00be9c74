package synth

// Name material. The lists are invented for test data from common Danish
// first and family names; they deliberately contain æ, ø, å, hyphenated
// given names and family names with several parts, and a share of names
// from other languages with diacritics and apostrophes, to exercise naming
// standards and transliteration.

var femaleNames = []string{
	"Anne", "Mette", "Karen", "Hanne", "Lone", "Camilla", "Louise", "Sofie",
	"Emma", "Ida", "Freja", "Clara", "Alma", "Ella", "Laura", "Maja", "Signe",
	"Line", "Julie", "Mathilde", "Astrid", "Agnes", "Esther", "Karla", "Frida",
	"Birgitte", "Kirsten", "Inger", "Lærke", "Bodil", "Åse", "Gry", "Tove",
	"Dorthe", "Søs", "Marianne", "Rikke", "Tina", "Pernille", "Ellen", "Nanna",
	"Josefine", "Liva", "Olivia", "Vigga", "Asta", "Ingrid", "Sørine", "Ditte",
}

var maleNames = []string{
	"Søren", "Jens", "Peter", "Lars", "Michael", "Henrik", "Thomas", "Niels",
	"Rasmus", "Mads", "Mikkel", "Anders", "Christian", "Frederik", "William",
	"Noah", "Oscar", "Lucas", "Carl", "Malthe", "Aksel", "Viggo", "Alfred",
	"Emil", "Magnus", "Bjørn", "Jørgen", "Ørjan", "Åge", "Kåre", "Torben",
	"Jesper", "Bo", "Ib", "Ove", "Poul", "Kasper", "Jonas", "Valdemar",
	"Asger", "Storm", "Bertram", "Sigurd", "Halfdan", "Jønne", "Villads",
}

var hyphenatedNames = []string{
	"Anne-Mette", "Karl-Emil", "Mads-Peter", "Eva-Marie", "Hans-Jørgen",
	"Lise-Lotte", "Ann-Sofie", "Carl-Johan", "Per-Åge", "Bjørn-Ove",
}

var familyNames = []string{
	"Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen",
	"Larsen", "Sørensen", "Rasmussen", "Jørgensen", "Petersen", "Madsen",
	"Kristensen", "Olsen", "Thomsen", "Christiansen", "Poulsen", "Johansen",
	"Møller", "Mortensen", "Knudsen", "Jakobsen", "Mikkelsen", "Frederiksen",
	"Laursen", "Østergaard", "Bøgh", "Skovgaard", "Dalsgaard", "Kjær", "Lund",
	"Holm", "Schmidt", "Bach", "Vestergaard", "Højgaard", "Søgaard",
	"Bækgaard", "Ærø", "Åkjær", "Ågesen", "Brønnum", "Krøyer", "Fønss",
	"Strøm", "Friis", "Juul", "Damgaard", "Gregersen", "Bjerre", "Nørgaard",
	"Æbelø", "Kløvedal", "Lykkegaard", "Ravn",
}

// foreignNames are given/family pairs from other languages.
var foreignNames = [][2]string{
	{"Thị Minh Khai", "Nguyễn"},
	{"Siobhan", "O'Brien"},
	{"Jean-Luc", "d'Aubigné"},
	{"Ayşe", "Yılmaz"},
	{"Łukasz", "Wójcik"},
	{"Mohammad", "Al-Hassan"},
	{"Fatima", "Abdi"},
	{"Zoë", "van der Berg"},
	{"José", "García Márquez"},
	{"Ólafur", "Ragnarsson"},
	{"Oğuz", "Çelik"},
	{"Małgorzata", "Wiśniewska"},
	{"Chloé", "Lefèvre"},
	{"Thanh Hương", "Trần"},
	{"Ahmad", "Rahimi"},
	{"Amira", "El-Sayed"},
	{"Seán", "Ó Súilleabháin"},
	{"Dmitrij", "Ivanov"},
}

// featuredNames are given to the first persons generated, so that even the
// tiny preset contains the hard cases.
var featuredNames = [][2]string{
	{"Søren", "Ærø-Åkjær"},
	{"Bjørn", "Ågesen"},
	{"Anne-Mette", "Østergaard"},
	{"Thị Minh Khai", "Nguyễn"},
	{"Siobhan", "O'Brien"},
	{"Jean-Luc", "d'Aubigné"},
	{"Åse Marie", "Bjerre Nørgaard"},
	{"Ørjan", "Kløvedal-Strøm"},
}

// placeNames are invented or common place parts for institution names.
var placeNames = []string{
	"Åby", "Søndervang", "Kærholm", "Østerbro", "Nørrevang", "Bakkegård",
	"Lindehøj", "Æblehave", "Skovly", "Strandvejen", "Møllevang", "Bøgely",
	"Engdal", "Højvang", "Rosenlund", "Tårnby", "Vestervang", "Solbjerg",
	"Fjordvang", "Egebjerg", "Hasselø", "Kildegård", "Granhøj", "Bavnehøj",
	"Lærkevang", "Fælledvej", "Hørsholm", "Sølyst", "Vibeholm", "Damhus",
}

var roomNames = []string{
	"Bjørnestuen", "Sommerfuglestuen", "Myrestuen", "Frøstuen", "Mariehønen",
	"Solstrålen", "Egernstuen", "Pindsvinestuen", "Ørnereden", "Månestuen",
}

var departments = [][2]string{
	{"Børn og Unge", "Skoleafdelingen"},
	{"Børn og Unge", "Dagtilbudsafdelingen"},
	{"Børn og Unge", "PPR"},
	{"Sundhed og Omsorg", "Hjemmeplejen"},
	{"Sundhed og Omsorg", "Sundhedsplejen"},
	{"Teknik og Miljø", "Vej og Park"},
	{"Teknik og Miljø", "Byggeri"},
	{"Økonomi og Personale", "Løn og Personale"},
	{"Økonomi og Personale", "IT og Digitalisering"},
	{"Økonomi og Personale", "Borgerservice"},
}
