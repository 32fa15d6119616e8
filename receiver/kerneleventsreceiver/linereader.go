package kerneleventsreceiver

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// lineReaderBuffer is how much of the file is read at once.
const lineReaderBuffer = 64 << 10

// errLineTooLong is returned for a line longer than the limit; the line has
// been read past and reading can go on.
var errLineTooLong = errors.New("line too long")

// lineReader reads newline-terminated lines of bounded length. Unlike
// bufio.Scanner, which stops for good at the first line over its limit, it
// reads past such a line without keeping it, so what follows is still read.
type lineReader struct {
	r    *bufio.Reader
	max  int
	line []byte
	// consumed counts the bytes read past, newlines included: how far
	// into the file the lines returned so far go.
	consumed int64
}

func newLineReader(r io.Reader, maxBytes int) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, lineReaderBuffer), max: maxBytes}
}

// next returns the next line without its "\n" or "\r\n", valid until the
// following call. A line of more than max bytes (before its newline) is
// read past and reported as errLineTooLong: at most max bytes and one
// buffer of it are held. After the last line next returns io.EOF; a last
// line without a newline is a line.
func (l *lineReader) next() ([]byte, error) {
	chunk, err := l.r.ReadSlice('\n')
	if err == nil && len(chunk) <= l.max+1 {
		// the whole line in the buffer, as nearly every one is: handed out
		// from there, valid until the next read, without a copy
		l.consumed += int64(len(chunk))
		return trimNewline(chunk), nil
	}
	l.line = l.line[:0]
	read, tooLong := 0, false
	for ; ; chunk, err = l.r.ReadSlice('\n') {
		read += len(chunk)
		l.consumed += int64(len(chunk))
		if !tooLong {
			l.line = append(l.line, chunk...)
			if len(bytes.TrimSuffix(l.line, []byte("\n"))) > l.max {
				tooLong, l.line = true, l.line[:0]
			}
		}
		switch {
		case err == bufio.ErrBufferFull: // the line goes on
			continue
		case err == io.EOF && read == 0:
			return nil, io.EOF
		case err != nil && err != io.EOF:
			return nil, err
		case tooLong:
			return nil, fmt.Errorf("%w: %d bytes with its newline, more than %d", errLineTooLong, read, l.max)
		}
		return trimNewline(l.line), nil
	}
}

// trimNewline returns line without its "\n" or "\r\n".
func trimNewline(line []byte) []byte {
	return bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
}
