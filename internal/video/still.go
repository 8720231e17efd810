package video

import (
	"context"
	"fmt"
	"image"
	"strconv"
	"time"
)

// stillTimeout bounds one ffmpeg run of Still: it decodes from the keyframe before the time
// asked to one frame.
const stillTimeout = time.Minute

// stillSize returns the size of a w×h frame scaled down, keeping its aspect ratio, to fit
// maxSide×maxSide (never up; maxSide <= 0 keeps the size), each side at least 1.
func stillSize(w, h, maxSide int) (int, int) {
	if maxSide <= 0 || (w <= maxSide && h <= maxSide) {
		return w, h
	}
	if w >= h {
		return maxSide, max(1, int(int64(h)*int64(maxSide)/int64(w)))
	}
	return max(1, int(int64(w)*int64(maxSide)/int64(h))), maxSide
}

// stillArgs returns ffmpeg's arguments for one frame of input at time at, scaled to w×h, as
// packed rgb24 on standard output.
func stillArgs(input, format string, at time.Duration, w, h int, maxPixels int64) []string {
	return []string{
		"-nostdin", "-hide_banner", "-nostats", "-loglevel", "error",
		"-protocol_whitelist", fileProtocols,
		"-format_whitelist", format,
		"-noautorotate",
		"-max_pixels", strconv.FormatInt(maxPixels, 10),
		"-ss", strconv.FormatFloat(at.Seconds(), 'f', 6, 64),
		"-i", input,
		"-map", "0:v:0", "-an", "-sn", "-dn",
		"-frames:v", "1",
		"-vf", fmt.Sprintf("scale=w=%d:h=%d:flags=area,format=rgb24", w, h),
		"-f", "rawvideo", "-pix_fmt", "rgb24",
		"pipe:1",
	}
}

// Still decodes one frame of the local video file at path: the first frame at or after at,
// scaled down with area averaging to fit maxSide×maxSide (maxSide <= 0 keeps the coded size).
// The frame is not rotated (Info.Rotation says how to display it), as Hash does not rotate.
//
// The run is hardened as Hash's are: a regular file named behind "file:", local files only,
// playlists and concatenation scripts refused, the pixel budget checked before decoding, a
// fixed argument list, a time limit of one minute, the output bounded to the one frame, and
// ffmpeg killed when ctx ends. A negative at is ErrBadConfig; a time past the last frame, or a
// file ffmpeg cannot read, is an error wrapping ErrBadVideo.
func (h *Hasher) Still(ctx context.Context, path string, at time.Duration, maxSide int) (*image.RGBA, error) {
	if at < 0 {
		return nil, fmt.Errorf("%w: negative still time %v", ErrBadConfig, at)
	}
	input, err := fileInput(path)
	if err != nil {
		return nil, err
	}
	info, err := h.probe(ctx, input, fileProtocols)
	if err != nil {
		return nil, err
	}
	if formatDenied(info.Format) {
		return nil, fmt.Errorf("%w: container %q refused: it refers to other files", ErrBadVideo, info.Format)
	}
	w, ht := stillSize(info.Width, info.Height, maxSide)
	size := 3 * w * ht
	ctx, cancel := context.WithTimeoutCause(ctx, min(stillTimeout, h.cfg.Timeout),
		fmt.Errorf("%w: ffmpeg ran longer than %v", ErrTimeout, min(stillTimeout, h.cfg.Timeout)))
	defer cancel()
	out, err := h.output(ctx, h.cfg.FFmpeg, stillArgs(input, info.Format, at, w, ht, h.cfg.MaxPixels), size)
	if err != nil {
		return nil, err
	}
	if len(out) != size {
		if len(out) == 0 {
			return nil, fmt.Errorf("%w: no frame at %v (duration %v)", ErrBadVideo, at, info.Duration)
		}
		return nil, fmt.Errorf("%w: ffmpeg wrote %d bytes for a %dx%d frame", ErrBadVideo, len(out), w, ht)
	}
	img := image.NewRGBA(image.Rect(0, 0, w, ht))
	for i, j := 0, 0; i < size; i, j = i+3, j+4 {
		img.Pix[j], img.Pix[j+1], img.Pix[j+2], img.Pix[j+3] = out[i], out[i+1], out[i+2], 0xff
	}
	return img, nil
}
