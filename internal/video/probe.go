package video

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Info describes a video's first video stream, as ffprobe reports it. The first video stream
// (the lowest-numbered) is the one vPDQ hashes.
type Info struct {
	// Format is the demuxer ffprobe chose, as FFmpeg names it ("mov,mp4,m4a,3gp,3g2,mj2").
	Format string
	// Codec is the stream's codec ("h264", "hevc", "vp9", ...).
	Codec string
	// PixelFormat is the decoder's pixel format ("yuv420p", "yuvj420p", ...).
	PixelFormat string
	// Width and Height are the coded frame size, which is the size vPDQ hashes at. Display
	// rotation is not applied (see Rotation), as the reference does not apply it.
	Width, Height int
	// FrameRate is the frame rate vPDQ uses for frame selection and timestamps: the stream's
	// average frame rate, or its r_frame_rate when the average is unknown.
	FrameRate float64
	// Duration is the stream's duration, or the container's when the stream has none; zero
	// when unknown (a live stream, a raw elementary stream).
	Duration time.Duration
	// Frames is the frame count the container declares; zero when it declares none. It is a
	// hint only: it may be missing, or wrong in a damaged or hostile file.
	Frames int64
	// Rotation is the display rotation in degrees counter-clockwise from the stream's display
	// matrix (90 for most portrait phone videos), 0 when there is none.
	Rotation int
}

// probeOutput is the part of `ffprobe -of json` output that Probe reads.
type probeOutput struct {
	Streams []struct {
		CodecType    string `json:"codec_type"`
		CodecName    string `json:"codec_name"`
		PixFmt       string `json:"pix_fmt"`
		Width        int64  `json:"width"`
		Height       int64  `json:"height"`
		RFrameRate   string `json:"r_frame_rate"`
		AvgFrameRate string `json:"avg_frame_rate"`
		NbFrames     string `json:"nb_frames"`
		Duration     string `json:"duration"`
		SideData     []struct {
			Rotation *float64 `json:"rotation"`
		} `json:"side_data_list"`
	} `json:"streams"`
	Format struct {
		FormatName string `json:"format_name"`
		Duration   string `json:"duration"`
	} `json:"format"`
}

// maxProbeOutput bounds ffprobe's output; with the entries Probe asks for it is under 1 KiB.
const maxProbeOutput = 64 << 10

// probeArgs returns ffprobe's arguments for input (already made safe by inputArg). Only the
// entries Probe reads are requested, so no metadata tag from the file reaches the output.
func probeArgs(input, protocols string) []string {
	return []string{
		"-hide_banner", "-loglevel", "error",
		"-protocol_whitelist", protocols,
		"-select_streams", "v:0",
		"-show_entries", "format=format_name,duration" +
			":stream=codec_type,codec_name,pix_fmt,width,height,r_frame_rate,avg_frame_rate,nb_frames,duration" +
			":stream_side_data=rotation",
		"-of", "json",
		input,
	}
}

// Probe runs ffprobe on the local file at path and describes its first video stream. A file
// that is not a regular file, that ffprobe cannot read or that has no video stream is an error
// wrapping ErrBadVideo.
func (h *Hasher) Probe(ctx context.Context, path string) (Info, error) {
	input, err := fileInput(path)
	if err != nil {
		return Info{}, err
	}
	return h.probe(ctx, input, fileProtocols)
}

// probe runs ffprobe on input, an argument made by fileInput or streamInput.
func (h *Hasher) probe(ctx context.Context, input, protocols string) (Info, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, min(probeTimeout, h.cfg.Timeout),
		fmt.Errorf("%w: ffprobe ran longer than %v", ErrTimeout, min(probeTimeout, h.cfg.Timeout)))
	defer cancel()
	out, err := h.output(ctx, h.cfg.FFprobe, probeArgs(input, protocols), maxProbeOutput)
	if err != nil {
		return Info{}, err
	}
	info, err := parseProbe(out)
	if err != nil {
		return Info{}, err
	}
	if info.Width > maxSide || info.Height > maxSide || int64(info.Width)*int64(info.Height) > h.cfg.MaxPixels {
		return info, fmt.Errorf("%w: %dx%d pixels, over the limit of %d", ErrTooLarge, info.Width, info.Height, h.cfg.MaxPixels)
	}
	return info, nil
}

// parseProbe parses ffprobe's JSON output. It checks every value it keeps, because ffprobe
// reports what the file declares.
func parseProbe(out []byte) (Info, error) {
	var p probeOutput
	dec := json.NewDecoder(bytes.NewReader(out))
	if err := dec.Decode(&p); err != nil {
		return Info{}, fmt.Errorf("%w: unreadable ffprobe output: %v", ErrBadVideo, err)
	}
	if len(p.Streams) == 0 || p.Streams[0].CodecType != "video" {
		return Info{}, fmt.Errorf("%w: no video stream", ErrBadVideo)
	}
	s := p.Streams[0]
	info := Info{
		Format:      clean(p.Format.FormatName),
		Codec:       clean(s.CodecName),
		PixelFormat: clean(s.PixFmt),
	}
	if s.Width <= 0 || s.Height <= 0 || s.Width > math.MaxInt32 || s.Height > math.MaxInt32 {
		return Info{}, fmt.Errorf("%w: bad frame size %dx%d", ErrBadVideo, s.Width, s.Height)
	}
	info.Width, info.Height = int(s.Width), int(s.Height)
	// The reference takes avg_frame_rate and falls back to r_frame_rate when it is 0/0.
	info.FrameRate = parseRate(s.AvgFrameRate)
	if info.FrameRate == 0 {
		info.FrameRate = parseRate(s.RFrameRate)
	}
	if info.FrameRate == 0 {
		return Info{}, fmt.Errorf("%w: no frame rate", ErrBadVideo)
	}
	d := parseSeconds(s.Duration)
	if d == 0 {
		d = parseSeconds(p.Format.Duration)
	}
	info.Duration = secondsToDuration(d)
	if n, err := strconv.ParseInt(s.NbFrames, 10, 64); err == nil && n > 0 {
		info.Frames = n
	}
	for _, sd := range s.SideData {
		if r := sd.Rotation; r != nil && !math.IsNaN(*r) && math.Abs(*r) <= 360 {
			info.Rotation = int(*r)
			break
		}
	}
	return info, nil
}

// parseRate parses an FFmpeg rational ("30000/1001") as num/den computed in float64, as the
// reference computes it. It returns 0 for anything but a positive, finite rate.
func parseRate(s string) float64 {
	num, den, ok := strings.Cut(s, "/")
	if !ok {
		return 0
	}
	n, err1 := strconv.ParseInt(num, 10, 32)
	d, err2 := strconv.ParseInt(den, 10, 32)
	if err1 != nil || err2 != nil || n <= 0 || d <= 0 {
		return 0
	}
	return float64(n) / float64(d)
}

// parseSeconds parses a duration in seconds as ffprobe prints it; 0 when unknown or invalid.
func parseSeconds(s string) float64 {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return 0
	}
	return v
}

// clean bounds a name from ffprobe's output to 64 printable ASCII characters. The names are
// FFmpeg's own (demuxer, codec, pixel format), but they end up in logs and the UI.
func clean(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, s)
}
