package webui

import (
	"context"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/testpic"
)

// record is one FR record set at one visibility, with the strings that must not reach anyone
// not entitled to see it.
type record struct {
	vis                                          catalog.Visibility
	media                                        catalog.MediaID
	cs                                           catalog.CaseID
	series                                       catalog.SeriesID
	victim                                       catalog.PersonID
	clue                                         catalog.ClueID
	sha256, md5, sha1, pdq                       string
	seriesName, caseNumber, clueText, victimCode string
}

func (r record) secrets() []string {
	return []string{r.seriesName, r.caseNumber, r.clueText, r.victimCode, r.sha256, r.md5, r.sha1, r.pdq}
}

// seedRecords makes, as the FR reviewer, a case, a media item, a series, a victim and a clue
// at each visibility (network, listed with NL only, owner).
func seedRecords(t testing.TB, e *env, fr catalog.User) []record {
	t.Helper()
	ctx := context.Background()
	var out []record
	for i, vis := range []catalog.Visibility{catalog.VisibilityNetwork, catalog.VisibilityListed, catalog.VisibilityOwner} {
		r := record{vis: vis, seriesName: "SERIES-SECRET-" + string(vis), caseNumber: "CASE-SECRET-" + string(vis),
			clueText: "clue secret text " + string(vis), victimCode: "VICTIM-SECRET-" + string(vis)}
		a := catalog.Access{Owner: "FR", Visibility: vis}
		if vis == catalog.VisibilityListed {
			a.SharedWith = []catalog.CountryCode{"NL"}
		}
		c, err := e.work.CreateCase(ctx, fr, catalog.Case{Access: a, Number: r.caseNumber, Title: "t"})
		if err != nil {
			t.Fatal(err)
		}
		r.cs = c.ID
		res := e.upload(fr, c.ID, testpic.JPEG(t, testpic.Scene(320, 240, 100+i), 90), fmt.Sprintf("/home/x/%d.jpg", i), &a)
		m := res.Media
		r.media = m.ID
		r.sha256, r.md5, r.sha1 = hex.EncodeToString(m.Digests.SHA256[:]), hex.EncodeToString(m.Digests.MD5[:]), hex.EncodeToString(m.Digests.SHA1[:])
		if m.PDQ != nil {
			r.pdq = m.PDQ.Hash.String()
		}
		x, err := e.work.CreateSeries(ctx, fr, catalog.Series{Name: r.seriesName, Access: a})
		if err != nil {
			t.Fatal(err)
		}
		r.series = x.ID
		if _, err := e.work.SetSeries(ctx, fr, m.ID, x.ID); err != nil {
			t.Fatal(err)
		}
		p, err := e.work.CreatePerson(ctx, fr, catalog.Person{Kind: catalog.PersonVictim, Access: a, Code: r.victimCode, Sex: "unknown", AgeBand: "unknown", Series: []catalog.SeriesID{x.ID}})
		if err != nil {
			t.Fatal(err)
		}
		r.victim = p.ID
		cl, err := e.work.AddClue(ctx, fr, catalog.Clue{Access: a, Media: m.ID, Kind: catalog.ClueObject, Text: r.clueText, Tags: []string{"socket"}, Region: &catalog.Region{X: 10, Y: 10, W: 50, H: 40}})
		if err != nil {
			t.Fatal(err)
		}
		r.clue = cl.ID
		out = append(out, r)
	}
	return out
}
