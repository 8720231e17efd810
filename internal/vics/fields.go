package vics

// Code in this file lists the member names the package interprets.

// canon returns the canonical spelling of a member name this package knows, matched exactly or
// without regard to ASCII case, or "" for any other name.
func canon(k []byte) string {
	switch string(k) {
	case "MediaID":
		return "MediaID"
	case "MD5":
		return "MD5"
	case "SHA1":
		return "SHA1"
	case "SHA256":
		return "SHA256"
	case "PhotoDNA":
		return "PhotoDNA"
	case "MediaSize":
		return "MediaSize"
	case "Category":
		return "Category"
	case "IsPrecategorized":
		return "IsPrecategorized"
	case "PrecategorizationSource":
		return "PrecategorizationSource"
	case "Series":
		return "Series"
	case "VictimIdentified":
		return "VictimIdentified"
	case "OffenderIdentified":
		return "OffenderIdentified"
	case "IsDistributed":
		return "IsDistributed"
	case "IsSuspected":
		return "IsSuspected"
	case "DateUpdated":
		return "DateUpdated"
	case "Comments":
		return "Comments"
	case "Tags":
		return "Tags"
	case "MimeType":
		return "MimeType"
	case "RelativeFilePath":
		return "RelativeFilePath"
	case "AlternativeHashes":
		return "AlternativeHashes"
	case "Exifs":
		return "Exifs"
	case "Segments":
		return "Segments"
	case "MediaFiles":
		return "MediaFiles"
	case "FileName":
		return "FileName"
	case "FilePath":
		return "FilePath"
	case "Created":
		return "Created"
	case "Written":
		return "Written"
	case "Modified":
		return "Modified"
	case "Accessed":
		return "Accessed"
	case "Unallocated":
		return "Unallocated"
	case "Deleted":
		return "Deleted"
	case "SourceID":
		return "SourceID"
	case "PropertyName":
		return "PropertyName"
	case "PropertyValue":
		return "PropertyValue"
	case "HashName":
		return "HashName"
	case "HashValue":
		return "HashValue"
	case "CaseID":
		return "CaseID"
	case "CaseNumber":
		return "CaseNumber"
	case "ContactOrganization":
		return "ContactOrganization"
	case "ContactName":
		return "ContactName"
	case "ContactEmail":
		return "ContactEmail"
	case "ContactPhone":
		return "ContactPhone"
	case "ContactTitle":
		return "ContactTitle"
	case "SeizureDate":
		return "SeizureDate"
	case "SourceApplicationName":
		return "SourceApplicationName"
	case "SourceApplicationVersion":
		return "SourceApplicationVersion"
	case "TotalMediaFiles":
		return "TotalMediaFiles"
	case "Media":
		return "Media"
	}
	if len(k) > 32 {
		return ""
	}
	var low [32]byte
	for i, c := range k {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		low[i] = c
	}
	switch string(low[:len(k)]) {
	case "mediaid":
		return "MediaID"
	case "md5":
		return "MD5"
	case "sha1":
		return "SHA1"
	case "sha256":
		return "SHA256"
	case "photodna":
		return "PhotoDNA"
	case "mediasize":
		return "MediaSize"
	case "category":
		return "Category"
	case "isprecategorized":
		return "IsPrecategorized"
	case "precategorizationsource":
		return "PrecategorizationSource"
	case "series":
		return "Series"
	case "victimidentified":
		return "VictimIdentified"
	case "offenderidentified":
		return "OffenderIdentified"
	case "isdistributed":
		return "IsDistributed"
	case "issuspected":
		return "IsSuspected"
	case "dateupdated":
		return "DateUpdated"
	case "comments":
		return "Comments"
	case "tags":
		return "Tags"
	case "mimetype":
		return "MimeType"
	case "relativefilepath":
		return "RelativeFilePath"
	case "alternativehashes":
		return "AlternativeHashes"
	case "exifs":
		return "Exifs"
	case "segments":
		return "Segments"
	case "mediafiles":
		return "MediaFiles"
	case "filename":
		return "FileName"
	case "filepath":
		return "FilePath"
	case "created":
		return "Created"
	case "written":
		return "Written"
	case "modified":
		return "Modified"
	case "accessed":
		return "Accessed"
	case "unallocated":
		return "Unallocated"
	case "deleted":
		return "Deleted"
	case "sourceid":
		return "SourceID"
	case "propertyname":
		return "PropertyName"
	case "propertyvalue":
		return "PropertyValue"
	case "hashname":
		return "HashName"
	case "hashvalue":
		return "HashValue"
	case "caseid":
		return "CaseID"
	case "casenumber":
		return "CaseNumber"
	case "contactorganization":
		return "ContactOrganization"
	case "contactname":
		return "ContactName"
	case "contactemail":
		return "ContactEmail"
	case "contactphone":
		return "ContactPhone"
	case "contacttitle":
		return "ContactTitle"
	case "seizuredate":
		return "SeizureDate"
	case "sourceapplicationname":
		return "SourceApplicationName"
	case "sourceapplicationversion":
		return "SourceApplicationVersion"
	case "totalmediafiles":
		return "TotalMediaFiles"
	case "media":
		return "Media"
	}
	return ""
}

// entity names a kind of VICS object, for [known].
type entity uint8

const (
	entMedia entity = iota
	entMediaFile
	entExif
	entAltHash
	entCase
)

// known reports whether a member name (in any case) is one the package interprets in an entity.
func known(e entity, name string) bool {
	switch c := canon([]byte(name)); e {
	case entMedia:
		switch c {
		case "MediaID", "MD5", "SHA1", "SHA256", "PhotoDNA", "MediaSize", "Category", "IsPrecategorized",
			"PrecategorizationSource", "Series", "VictimIdentified", "OffenderIdentified", "IsDistributed",
			"IsSuspected", "DateUpdated", "Comments", "Tags", "MimeType", "RelativeFilePath",
			"AlternativeHashes", "Exifs", "Segments", "MediaFiles":
			return true
		}
	case entMediaFile:
		switch c {
		case "MD5", "FileName", "FilePath", "Created", "Written", "Modified", "Accessed", "Unallocated",
			"Deleted", "SourceID":
			return true
		}
	case entExif:
		switch c {
		case "MD5", "PropertyName", "PropertyValue":
			return true
		}
	case entAltHash:
		switch c {
		case "MD5", "HashName", "HashValue":
			return true
		}
	case entCase:
		switch c {
		case "CaseID", "CaseNumber", "ContactOrganization", "ContactName", "ContactEmail",
			"ContactPhone", "ContactTitle", "SeizureDate", "SourceApplicationName",
			"SourceApplicationVersion", "TotalMediaFiles", "Media":
			return true
		}
	}
	return false
}
