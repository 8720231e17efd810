package preview

import "image"

// orient returns img turned for display as EXIF orientation o (1 to 8) says; other values
// leave it as it is. img is what imaging.Preview returns: an *image.Gray or an *image.NRGBA
// with bounds starting at (0, 0).
func orient(img image.Image, o int) image.Image {
	if o < 2 || o > 8 {
		return img
	}
	switch m := img.(type) {
	case *image.Gray:
		w, h := m.Rect.Dx(), m.Rect.Dy()
		out := image.NewGray(orientedRect(w, h, o))
		transform(out.Pix, out.Stride, m.Pix, m.Stride, w, h, 1, o)
		return out
	case *image.NRGBA:
		w, h := m.Rect.Dx(), m.Rect.Dy()
		out := image.NewNRGBA(orientedRect(w, h, o))
		transform(out.Pix, out.Stride, m.Pix, m.Stride, w, h, 4, o)
		return out
	}
	return img
}

// orientedRect is the display size of a w x h image under orientation o: orientations 5 to 8
// swap the sides.
func orientedRect(w, h, o int) image.Rectangle {
	if o >= 5 {
		return image.Rect(0, 0, h, w)
	}
	return image.Rect(0, 0, w, h)
}

// transform copies the w x h source (bpp bytes per pixel) into dst, turned as orientation o
// says: dst pixel (x, y) takes the source pixel the EXIF standard maps to it.
func transform(dst []byte, dstride int, src []byte, sstride, w, h, bpp, o int) {
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	for y := range dh {
		for x := range dw {
			var sx, sy int
			switch o {
			case 2: // mirrored horizontally
				sx, sy = w-1-x, y
			case 3: // turned 180 degrees
				sx, sy = w-1-x, h-1-y
			case 4: // mirrored vertically
				sx, sy = x, h-1-y
			case 5: // transposed
				sx, sy = y, x
			case 6: // stored turned 90 degrees anticlockwise: turn clockwise
				sx, sy = y, h-1-x
			case 7: // transversed
				sx, sy = w-1-y, h-1-x
			case 8: // stored turned 90 degrees clockwise: turn anticlockwise
				sx, sy = w-1-y, x
			}
			copy(dst[y*dstride+x*bpp:y*dstride+x*bpp+bpp], src[sy*sstride+sx*bpp:sy*sstride+sx*bpp+bpp])
		}
	}
}
