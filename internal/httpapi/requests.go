package httpapi

// The request bodies. Each has a fuzz target (FuzzDecode<Type>) since they are decoded from
// untrusted bytes.

type loginRequest struct {
	Login    string `json:"login"`
	Password string `json:"password"`
	TOTP     string `json:"totp,omitempty"`
}

type passwordRequest struct {
	Old string `json:"old"`
	New string `json:"new"`
}

type tokenRequest struct {
	Name    string `json:"name"`
	TTLDays int    `json:"ttl_days,omitempty"`
}

type totpConfirmRequest struct {
	Code string `json:"code"`
}

type totpDisableRequest struct {
	Password string `json:"password"`
}

type countryRequest struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

type userRequest struct {
	Login   string `json:"login"`
	Name    string `json:"name,omitempty"`
	Country string `json:"country"`
	Role    string `json:"role"`
}

type caseRequest struct {
	Number     string   `json:"number"`
	Title      string   `json:"title,omitempty"`
	Owner      string   `json:"owner,omitempty"`
	Visibility string   `json:"visibility"`
	SharedWith []string `json:"shared_with,omitempty"`
}

type categoryRequest struct {
	Scheme string `json:"scheme"`
	Code   string `json:"code"`
}

type seriesRefRequest struct {
	Series int64 `json:"series"`
}

type accessRequest struct {
	Visibility string   `json:"visibility"`
	SharedWith []string `json:"shared_with,omitempty"`
}

// hashQuery is one query of /search and /lookup: any subset of the digests and a PDQ hash.
type hashQuery struct {
	MD5    string `json:"md5,omitempty"`
	SHA1   string `json:"sha1,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
	PDQ    string `json:"pdq,omitempty"`
}

type lookupRequest struct {
	Queries []hashQuery `json:"queries"`
}

type seriesRequest struct {
	Name       string   `json:"name"`
	Owner      string   `json:"owner,omitempty"`
	Visibility string   `json:"visibility"`
	SharedWith []string `json:"shared_with,omitempty"`
}

type seriesPatchRequest struct {
	Name       *string   `json:"name,omitempty"`
	Status     *string   `json:"status,omitempty"`
	Visibility *string   `json:"visibility,omitempty"`
	SharedWith *[]string `json:"shared_with,omitempty"`
}

type personRequest struct {
	Code           string   `json:"code"`
	Sex            string   `json:"sex,omitempty"`
	AgeBand        string   `json:"age_band,omitempty"`
	Notes          string   `json:"notes,omitempty"`
	LikelyLocation string   `json:"likely_location,omitempty"`
	Series         []int64  `json:"series,omitempty"`
	Owner          string   `json:"owner,omitempty"`
	Visibility     string   `json:"visibility"`
	SharedWith     []string `json:"shared_with,omitempty"`
}

type personPatchRequest struct {
	Sex            *string   `json:"sex,omitempty"`
	AgeBand        *string   `json:"age_band,omitempty"`
	Notes          *string   `json:"notes,omitempty"`
	LikelyLocation *string   `json:"likely_location,omitempty"`
	Series         *[]int64  `json:"series,omitempty"`
	Visibility     *string   `json:"visibility,omitempty"`
	SharedWith     *[]string `json:"shared_with,omitempty"`
}

type identifyRequest struct {
	LikelyLocation string `json:"likely_location,omitempty"`
}

type clueRequest struct {
	Media      int64       `json:"media,omitempty"`
	Series     int64       `json:"series,omitempty"`
	Region     *regionJSON `json:"region,omitempty"`
	Kind       string      `json:"kind"`
	Text       string      `json:"text"`
	Tags       []string    `json:"tags,omitempty"`
	Visibility string      `json:"visibility"`
	SharedWith []string    `json:"shared_with,omitempty"`
}
