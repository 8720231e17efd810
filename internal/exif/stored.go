package exif

import "encoding/json"

// StoredJSON returns x as the catalog stores it: JSON, without the thumbnail (EXIF thumbnails
// are pictures of the evidence and are never kept in the database).
func (x Info) StoredJSON() ([]byte, error) {
	x.Thumbnail = nil
	return json.Marshal(x)
}

// ParseStoredJSON reads back what StoredJSON wrote.
func ParseStoredJSON(b []byte) (*Info, error) {
	x := new(Info)
	if err := json.Unmarshal(b, x); err != nil {
		return nil, err
	}
	return x, nil
}
