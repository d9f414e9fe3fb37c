package catalog

// oarsAges maps an OARS content attribute to the minimum age for each of
// its values (none, mild, moderate, intense). These are the Common Sense
// Media ages of libappstream's as_content_rating_attribute_to_csm_age
// (src/as-content-rating.c), OARS 1.0 and 1.1.
var oarsAges = map[string][4]int{
	// OARS 1.0
	"violence-cartoon":        {0, 3, 4, 6},
	"violence-fantasy":        {0, 3, 7, 8},
	"violence-realistic":      {0, 4, 9, 14},
	"violence-bloodshed":      {0, 9, 11, 18},
	"violence-sexual":         {0, 18, 18, 18},
	"drugs-alcohol":           {0, 11, 13, 16},
	"drugs-narcotics":         {0, 12, 14, 17},
	"drugs-tobacco":           {0, 10, 13, 13},
	"sex-nudity":              {0, 12, 14, 14},
	"sex-themes":              {0, 13, 14, 15},
	"language-profanity":      {0, 8, 11, 14},
	"language-humor":          {0, 3, 8, 14},
	"language-discrimination": {0, 9, 10, 11},
	"money-advertising":       {0, 7, 8, 10},
	"money-gambling":          {0, 7, 10, 18},
	"money-purchasing":        {0, 12, 14, 15},
	"social-chat":             {0, 4, 10, 13},
	"social-audio":            {0, 15, 15, 15},
	"social-contacts":         {0, 12, 12, 12},
	"social-info":             {0, 0, 13, 13},
	"social-location":         {0, 13, 13, 13},
	// OARS 1.1
	"sex-homosexuality":    {0, 10, 13, 18},
	"sex-prostitution":     {0, 12, 14, 18},
	"sex-adultery":         {0, 8, 10, 18},
	"sex-appearance":       {0, 10, 10, 15},
	"violence-worship":     {0, 13, 15, 18},
	"violence-desecration": {0, 13, 15, 18},
	"violence-slavery":     {0, 13, 15, 18},
}

// oarsAge is the minimum age for one attribute's value. Unknown attributes
// and values count as "none", as in libappstream.
func oarsAge(id, value string) int {
	ages, ok := oarsAges[id]
	if !ok {
		return 0
	}
	switch value {
	case "mild":
		return ages[1]
	case "moderate":
		return ages[2]
	case "intense":
		return ages[3]
	}
	return ages[0]
}
