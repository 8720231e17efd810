package httpapi

import (
	"encoding/hex"
	"time"

	"github.com/vidb-project/vidb/internal/audit"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/exif"
	"github.com/vidb-project/vidb/internal/ingest"
)

// The response types. Each is written field by field from the catalog's records so that a new
// field in the domain never reaches a client unless it is added here on purpose.

func utc(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func utcp(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	return utc(*t)
}

func codes(cs []catalog.CountryCode) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, string(c))
	}
	return out
}

type accessJSON struct {
	Owner      string   `json:"owner"`
	Visibility string   `json:"visibility"`
	SharedWith []string `json:"shared_with"`
}

func toAccess(a catalog.Access) accessJSON {
	return accessJSON{Owner: string(a.Owner), Visibility: string(a.Visibility), SharedWith: codes(a.SharedWith)}
}

type countryJSON struct {
	Code    string     `json:"code"`
	Name    string     `json:"name"`
	Created *time.Time `json:"created"`
}

func toCountry(c catalog.Country) countryJSON {
	return countryJSON{Code: string(c.Code), Name: c.Name, Created: utc(c.Created)}
}

type userJSON struct {
	ID       int64      `json:"id"`
	Login    string     `json:"login"`
	Name     string     `json:"name"`
	Country  string     `json:"country"`
	Role     string     `json:"role"`
	Disabled bool       `json:"disabled"`
	Created  *time.Time `json:"created"`
}

func toUser(u catalog.User) userJSON {
	return userJSON{ID: int64(u.ID), Login: u.Login, Name: u.Name, Country: string(u.Country), Role: string(u.Role), Disabled: u.Disabled, Created: utc(u.Created)}
}

type tokenJSON struct {
	ID      int64      `json:"id"`
	Name    string     `json:"name"`
	Created *time.Time `json:"created"`
	Expires *time.Time `json:"expires"`
	Revoked *time.Time `json:"revoked"`
}

func toToken(t catalog.Token) tokenJSON {
	return tokenJSON{ID: int64(t.ID), Name: t.Name, Created: utc(t.Created), Expires: utc(t.Expires), Revoked: utcp(t.Revoked)}
}

type caseJSON struct {
	ID     int64  `json:"id"`
	Number string `json:"number"`
	Title  string `json:"title"`
	accessJSON
	Created *time.Time `json:"created"`
}

func toCase(c catalog.Case) caseJSON {
	return caseJSON{ID: int64(c.ID), Number: c.Number, Title: c.Title, accessJSON: toAccess(c.Access), Created: utc(c.Created)}
}

type categoryJSON struct {
	Scheme string `json:"scheme"`
	Code   string `json:"code"`
}

type exifTimeJSON struct {
	Time        time.Time `json:"time"`
	OffsetKnown bool      `json:"offset_known"`
}

func toEXIFTime(t *exif.Time) *exifTimeJSON {
	if t == nil {
		return nil
	}
	return &exifTimeJSON{Time: t.Time, OffsetKnown: t.OffsetKnown}
}

type gpsJSON struct {
	Latitude  float64    `json:"latitude"`
	Longitude float64    `json:"longitude"`
	Altitude  *float64   `json:"altitude"`
	Time      *time.Time `json:"time"`
	MapDatum  string     `json:"map_datum"`
}

type exifJSON struct {
	Make              string        `json:"make,omitempty"`
	Model             string        `json:"model,omitempty"`
	Serial            string        `json:"serial,omitempty"`
	Owner             string        `json:"owner,omitempty"`
	LensMake          string        `json:"lens_make,omitempty"`
	LensModel         string        `json:"lens_model,omitempty"`
	LensSerial        string        `json:"lens_serial,omitempty"`
	Software          string        `json:"software,omitempty"`
	HostComputer      string        `json:"host_computer,omitempty"`
	Artist            string        `json:"artist,omitempty"`
	Copyright         string        `json:"copyright,omitempty"`
	ImageDescription  string        `json:"image_description,omitempty"`
	UserComment       string        `json:"user_comment,omitempty"`
	ImageUniqueID     string        `json:"image_unique_id,omitempty"`
	DateTimeOriginal  *exifTimeJSON `json:"date_time_original,omitempty"`
	DateTimeDigitized *exifTimeJSON `json:"date_time_digitized,omitempty"`
	DateTime          *exifTimeJSON `json:"date_time,omitempty"`
	Orientation       int           `json:"orientation,omitempty"`
	Width             int           `json:"width,omitempty"`
	Height            int           `json:"height,omitempty"`
	GPS               *gpsJSON      `json:"gps,omitempty"`
}

func toEXIF(i *exif.Info) *exifJSON {
	if i == nil {
		return nil
	}
	e := &exifJSON{
		Make: i.Make, Model: i.Model, Serial: i.Serial, Owner: i.Owner, LensMake: i.LensMake,
		LensModel: i.LensModel, LensSerial: i.LensSerial, Software: i.Software, HostComputer: i.HostComputer,
		Artist: i.Artist, Copyright: i.Copyright, ImageDescription: i.ImageDescription,
		UserComment: i.UserComment, ImageUniqueID: i.ImageUniqueID,
		DateTimeOriginal: toEXIFTime(i.DateTimeOriginal), DateTimeDigitized: toEXIFTime(i.DateTimeDigitized),
		DateTime: toEXIFTime(i.DateTime), Orientation: i.Orientation, Width: i.Width, Height: i.Height,
	}
	if g := i.GPS; g != nil {
		e.GPS = &gpsJSON{Latitude: g.Latitude, Longitude: g.Longitude, Altitude: g.Altitude, Time: utcp(g.Time), MapDatum: g.MapDatum}
	}
	return e
}

type mediaJSON struct {
	ID              int64         `json:"id"`
	SHA256          string        `json:"sha256,omitempty"`
	SHA1            string        `json:"sha1,omitempty"`
	MD5             string        `json:"md5,omitempty"`
	Size            int64         `json:"size"`
	MIME            string        `json:"mime"`
	Kind            string        `json:"kind"`
	Width           int           `json:"width"`
	Height          int           `json:"height"`
	DurationSeconds float64       `json:"duration_seconds"`
	PDQ             string        `json:"pdq,omitempty"`
	PDQQuality      *int          `json:"pdq_quality,omitempty"`
	Category        *categoryJSON `json:"category"`
	accessJSON
	Retention *time.Time `json:"retention"`
	Series    *int64     `json:"series"`
	Source    string     `json:"source"`
	HashOnly  bool       `json:"hash_only"`
	Created   *time.Time `json:"created"`
	Updated   *time.Time `json:"updated"`
	// EXIF is set only on GET /media/{id}: it may hold a position.
	EXIF *exifJSON `json:"exif,omitempty"`
}

func toMedia(m catalog.Media) mediaJSON {
	j := mediaJSON{
		ID: int64(m.ID), Size: m.Size, MIME: m.MIME, Kind: string(m.Kind), Width: m.Width, Height: m.Height,
		DurationSeconds: m.Duration.Seconds(), accessJSON: toAccess(m.Access), Retention: utc(m.Retention),
		Source: m.Source, HashOnly: m.HashOnly(), Created: utc(m.Created), Updated: utc(m.Updated),
	}
	if m.Digests.HasSHA256() {
		j.SHA256 = hex.EncodeToString(m.Digests.SHA256[:])
	}
	if m.Digests.HasSHA1() {
		j.SHA1 = hex.EncodeToString(m.Digests.SHA1[:])
	}
	if m.Digests.HasMD5() {
		j.MD5 = hex.EncodeToString(m.Digests.MD5[:])
	}
	if m.PDQ != nil {
		j.PDQ = m.PDQ.Hash.String()
		q := m.PDQ.Quality
		j.PDQQuality = &q
	}
	if !m.Category.IsZero() {
		j.Category = &categoryJSON{Scheme: m.Category.Scheme, Code: m.Category.Code}
	}
	if m.Series != 0 {
		s := int64(m.Series)
		j.Series = &s
	}
	return j
}

type sightingJSON struct {
	ID       int64      `json:"id"`
	Media    int64      `json:"media,omitempty"`
	Case     int64      `json:"case"`
	Exhibit  string     `json:"exhibit"`
	Path     string     `json:"path"`
	Created  *time.Time `json:"created"`
	Modified *time.Time `json:"modified"`
	Accessed *time.Time `json:"accessed"`
	Uploader int64      `json:"uploader"`
	Country  string     `json:"country"`
	At       *time.Time `json:"at"`
}

func toSighting(s catalog.Sighting) sightingJSON {
	return sightingJSON{ID: int64(s.ID), Media: int64(s.Media), Case: int64(s.Case), Exhibit: s.Exhibit, Path: s.Path,
		Created: utcp(s.Created), Modified: utcp(s.Modified), Accessed: utcp(s.Accessed),
		Uploader: int64(s.Uploader), Country: string(s.Country), At: utc(s.At)}
}

type frameJSON struct {
	Number           int     `json:"number"`
	TimestampSeconds float64 `json:"timestamp_seconds"`
	PDQ              string  `json:"pdq"`
	Quality          int     `json:"quality"`
}

func toFrame(f catalog.Frame) frameJSON {
	return frameJSON{Number: f.Number, TimestampSeconds: f.Timestamp.Seconds(), PDQ: f.PDQ.Hash.String(), Quality: f.PDQ.Quality}
}

type seriesJSON struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"`
	accessJSON
	Countries []string   `json:"countries"`
	Created   *time.Time `json:"created"`
	Updated   *time.Time `json:"updated"`
}

func toSeries(s catalog.Series) seriesJSON {
	return seriesJSON{ID: int64(s.ID), Name: s.Name, Status: string(s.Status), accessJSON: toAccess(s.Access),
		Countries: codes(s.Countries), Created: utc(s.Created), Updated: utc(s.Updated)}
}

type personJSON struct {
	ID             int64      `json:"id"`
	Kind           string     `json:"kind"`
	Code           string     `json:"code"`
	Sex            string     `json:"sex"`
	AgeBand        string     `json:"age_band"`
	Status         string     `json:"status"`
	IdentifiedBy   string     `json:"identified_by,omitempty"`
	IdentifiedAt   *time.Time `json:"identified_at"`
	LikelyLocation string     `json:"likely_location,omitempty"`
	Notes          string     `json:"notes"`
	Series         []int64    `json:"series"`
	accessJSON
	Created *time.Time `json:"created"`
	Updated *time.Time `json:"updated"`
}

func toPerson(p catalog.Person) personJSON {
	j := personJSON{ID: int64(p.ID), Kind: string(p.Kind), Code: p.Code, Sex: p.Sex, AgeBand: p.AgeBand,
		Status: string(p.Status), IdentifiedBy: string(p.IdentifiedBy), IdentifiedAt: utcp(p.IdentifiedAt),
		LikelyLocation: string(p.LikelyLocation), Notes: p.Notes, Series: make([]int64, 0, len(p.Series)),
		accessJSON: toAccess(p.Access), Created: utc(p.Created), Updated: utc(p.Updated)}
	for _, s := range p.Series {
		j.Series = append(j.Series, int64(s))
	}
	return j
}

type regionJSON struct {
	X int `json:"x"`
	Y int `json:"y"`
	W int `json:"w"`
	H int `json:"h"`
}

type clueJSON struct {
	ID     int64       `json:"id"`
	Media  *int64      `json:"media"`
	Series *int64      `json:"series"`
	Region *regionJSON `json:"region"`
	Kind   string      `json:"kind"`
	Text   string      `json:"text"`
	Tags   []string    `json:"tags"`
	Author int64       `json:"author"`
	accessJSON
	Created *time.Time `json:"created"`
}

func optID[T ~int64](id T) *int64 {
	if id == 0 {
		return nil
	}
	v := int64(id)
	return &v
}

func toClue(c catalog.Clue) clueJSON {
	j := clueJSON{ID: int64(c.ID), Media: optID(c.Media), Series: optID(c.Series), Kind: string(c.Kind), Text: c.Text,
		Tags: append([]string{}, c.Tags...), Author: int64(c.Author), accessJSON: toAccess(c.Access), Created: utc(c.Created)}
	if r := c.Region; r != nil {
		j.Region = &regionJSON{X: r.X, Y: r.Y, W: r.W, H: r.H}
	}
	return j
}

type alertJSON struct {
	ID      int64      `json:"id"`
	Kind    string     `json:"kind"`
	Media   *int64     `json:"media"`
	From    string     `json:"from"`
	Message string     `json:"message"`
	Created *time.Time `json:"created"`
	Read    *time.Time `json:"read"`
}

func toAlert(a catalog.Alert) alertJSON {
	return alertJSON{ID: int64(a.ID), Kind: string(a.Kind), Media: optID(a.Media), From: string(a.From), Message: a.Message, Created: utc(a.Created), Read: utcp(a.Read)}
}

type statsJSON struct {
	Media               int64 `json:"media"`
	Series              int64 `json:"series"`
	VictimsIdentified   int64 `json:"victims_identified"`
	OffendersIdentified int64 `json:"offenders_identified"`
	Countries           int64 `json:"countries"`
}

type eventJSON struct {
	Seq     int64             `json:"seq"`
	Time    *time.Time        `json:"time"`
	Actor   string            `json:"actor"`
	ActorID int64             `json:"actor_id"`
	Country string            `json:"country"`
	Action  string            `json:"action"`
	Object  string            `json:"object"`
	Details map[string]string `json:"details"`
}

func toEvent(e audit.Event) eventJSON {
	return eventJSON{Seq: e.Seq, Time: utc(e.Time), Actor: e.Actor, ActorID: e.ActorID, Country: e.Country, Action: e.Action, Object: e.Object, Details: e.Details}
}

// hitJSON is all a client learns of a record it may not see.
type hitJSON struct {
	Owner   string `json:"owner"`
	Message string `json:"message"`
}

func toHit(h catalog.Hit) *hitJSON {
	return &hitJSON{Owner: string(h.Owner), Message: h.Message()}
}

type frameRefJSON struct {
	Number           int     `json:"number"`
	TimestampSeconds float64 `json:"timestamp_seconds"`
}

type rangeJSON struct {
	From float64 `json:"from_seconds"`
	To   float64 `json:"to_seconds"`
}

type videoMatchJSON struct {
	QueryPct     float64     `json:"query_pct"`
	TargetPct    float64     `json:"target_pct"`
	QueryRanges  []rangeJSON `json:"query_ranges"`
	TargetRanges []rangeJSON `json:"target_ranges"`
}

func toRanges(rs []ingest.TimeRange) []rangeJSON {
	out := make([]rangeJSON, 0, len(rs))
	for _, r := range rs {
		out = append(out, rangeJSON{From: r.From.Seconds(), To: r.To.Seconds()})
	}
	return out
}

// foundJSON is one match. For a record the asker may not see it is {"hit": {...}} and
// nothing else: every other field is omitted.
type foundJSON struct {
	Hit      *hitJSON        `json:"hit,omitempty"`
	Kind     string          `json:"kind,omitempty"`
	Distance *int            `json:"distance,omitempty"`
	Media    *mediaJSON      `json:"media,omitempty"`
	Series   *seriesJSON     `json:"series,omitempty"`
	Frame    *frameRefJSON   `json:"frame,omitempty"`
	Video    *videoMatchJSON `json:"video,omitempty"`
}

func toFound(f ingest.Found) foundJSON {
	if f.Hit != nil || f.Media == nil {
		owner := catalog.Hit{}
		if f.Hit != nil {
			owner = *f.Hit
		}
		return foundJSON{Hit: toHit(owner)}
	}
	d := f.Distance
	m := toMedia(*f.Media)
	j := foundJSON{Kind: string(f.Kind), Distance: &d, Media: &m}
	if f.Series != nil {
		s := toSeries(*f.Series)
		j.Series = &s
	}
	if f.Frame != nil {
		j.Frame = &frameRefJSON{Number: f.Frame.Number, TimestampSeconds: f.Frame.Timestamp.Seconds()}
	}
	if v := f.Video; v != nil {
		j.Video = &videoMatchJSON{QueryPct: v.QueryPct, TargetPct: v.TargetPct, QueryRanges: toRanges(v.QueryRanges), TargetRanges: toRanges(v.TargetRanges)}
	}
	return j
}

func toFounds(fs []ingest.Found) []foundJSON {
	out := make([]foundJSON, 0, len(fs))
	for _, f := range fs {
		out = append(out, toFound(f))
	}
	return out
}

type resultJSON struct {
	Status   string       `json:"status"`
	Media    *mediaJSON   `json:"media,omitempty"`
	Hit      *hitJSON     `json:"hit,omitempty"`
	Sighting sightingJSON `json:"sighting"`
	Frames   int          `json:"frames"`
	Matches  []foundJSON  `json:"matches"`
	Warnings []string     `json:"warnings"`
}

func toResult(r ingest.Result) resultJSON {
	j := resultJSON{Status: string(r.Status), Sighting: toSighting(r.Sighting), Frames: r.Frames, Matches: toFounds(r.Matches), Warnings: append([]string{}, r.Warnings...)}
	if r.Media != nil && r.Hit == nil {
		m := toMedia(*r.Media)
		j.Media = &m
	} else {
		// A hit: the uploader's own sighting, but not the ID of the record they may not see.
		j.Sighting.Media = 0
		if r.Hit != nil {
			j.Hit = toHit(*r.Hit)
		}
	}
	return j
}
