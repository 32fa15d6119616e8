package kerneleventsreceiver

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
)

// lineReaderBuffer is how much of the file is read at once: a block, not
// the whole buffer, so that what a chunk reads past its last line, copied
// to the next chunk's bytes, stays small.
const lineReaderBuffer = 64 << 10

var (
	// errLineTooLong is returned for a line longer than the limit; the line
	// has been read past and reading can go on.
	errLineTooLong = errors.New("line too long")
	// errBufferFull is returned when the next line does not fit in what is
	// left of the buffer: lines go on in a new one, given by use.
	errBufferFull = errors.New("buffer full")
)

// lineReader reads newline-terminated lines of bounded length straight into
// a buffer it is given (a chunk's bytes) and hands them out in place, so
// that each byte is copied once, from the file, and each line found by one
// vectorised search. Unlike bufio.Scanner, which stops for good at the
// first line over its limit, it reads past such a line without keeping
// it, so what follows is still read.
type lineReader struct {
	r   io.Reader
	max int
	// buf[:len(buf)] is what was read into the buffer: the lines handed
	// out end before pos, and there is no newline in buf[pos:scanned].
	buf          []byte
	pos, scanned int
	// err is what the last read returned, io.EOF included: no read is
	// made after it.
	err error
	// consumed counts the bytes read past, newlines included: how far
	// into the file the lines returned so far go.
	consumed int64
}

func newLineReader(r io.Reader, maxBytes int) *lineReader {
	return &lineReader{r: r, max: maxBytes}
}

// use makes buf, emptied, the buffer the next lines are read into, after
// what the current one holds past the lines handed out. The current one is
// only read from: its lines stay valid.
func (l *lineReader) use(buf []byte) {
	l.scanned -= l.pos
	l.buf, l.pos = append(buf[:0], l.buf[l.pos:]...), 0
}

// next returns the next line, without its "\n" or "\r\n", as
// l.buf[start:end]. A line of more than max bytes (before its newline) is
// read past and reported as errLineTooLong: at most max bytes and one
// block of it are held. A line that does not fit in the rest of a buffer
// lines were handed out from is errBufferFull; one that does not fit in a
// whole buffer grows it. After the last line next returns io.EOF; a last
// line without a newline is a line.
func (l *lineReader) next() (start, end int, err error) {
	start = l.pos
	for {
		if i := bytes.IndexByte(l.buf[l.scanned:], '\n'); i >= 0 {
			end = l.scanned + i
			l.pos, l.scanned = end+1, end+1
			l.consumed += int64(end + 1 - start)
			if end-start > l.max {
				return start, start, tooLong(end+1-start, l.max)
			}
			return start, trimCR(l.buf, start, end), nil
		}
		l.scanned = len(l.buf)
		switch {
		case len(l.buf)-start > l.max:
			return l.skip(start)
		case l.err == io.EOF && start < len(l.buf):
			l.pos = len(l.buf)
			l.consumed += int64(l.pos - start)
			return start, trimCR(l.buf, start, l.pos), nil
		case l.err != nil:
			return start, start, l.err
		case len(l.buf) == cap(l.buf) && start > 0:
			return start, start, errBufferFull
		case len(l.buf) == cap(l.buf):
			l.buf = slices.Grow(l.buf, max(len(l.buf), lineReaderBuffer))
		}
		l.read(len(l.buf))
	}
}

// read reads a block, or what of one fits, into l.buf from at.
func (l *lineReader) read(at int) {
	n, err := l.r.Read(l.buf[at:min(cap(l.buf), at+lineReaderBuffer)])
	l.buf, l.err = l.buf[:at+n], err
}

// skip reads past the rest of the line from start, longer than max,
// keeping none of it: each block is read over the last.
func (l *lineReader) skip(start int) (int, int, error) {
	n := len(l.buf) - start
	for l.err == nil {
		l.read(start)
		if i := bytes.IndexByte(l.buf[start:], '\n'); i >= 0 {
			n += i + 1
			l.pos, l.scanned = start+i+1, start+i+1
			l.consumed += int64(n)
			return start, start, tooLong(n, l.max)
		}
		n += len(l.buf) - start
	}
	l.pos, l.scanned = len(l.buf), len(l.buf)
	if l.err != io.EOF {
		return start, start, l.err
	}
	l.consumed += int64(n)
	return start, start, tooLong(n, l.max)
}

func tooLong(n, limit int) error {
	return fmt.Errorf("%w: %d bytes with its newline, more than %d", errLineTooLong, n, limit)
}

// trimCR returns end, less one if buf[start:end] ends in "\r".
func trimCR(buf []byte, start, end int) int {
	if end > start && buf[end-1] == '\r' {
		return end - 1
	}
	return end
}
