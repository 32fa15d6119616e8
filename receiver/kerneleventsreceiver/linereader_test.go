package kerneleventsreceiver

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readAll collects what next returns until io.EOF, with "TOO LONG" for
// skipped lines, reading into buffers of size bytes as read does into
// chunks'.
func readAll(t *testing.T, l *lineReader, size int) []string {
	t.Helper()
	l.use(make([]byte, 0, size))
	var out []string
	for {
		start, end, err := l.next()
		switch {
		case err == io.EOF:
			return out
		case err == errBufferFull:
			l.use(make([]byte, 0, size))
		case err != nil:
			require.ErrorIs(t, err, errLineTooLong)
			out = append(out, "TOO LONG")
		default:
			out = append(out, string(l.buf[start:end]))
		}
	}
}

func TestLineReaderSkipsOverLongLinesAndGoesOn(t *testing.T) {
	const limit = 8
	in := "12345678\n" + // exactly the limit
		"123456789\n" + // one byte over
		"crlf\r\n" +
		"\n" +
		strings.Repeat("x", 3*lineReaderBuffer+5) + "\n" + // over several blocks
		"after\n" +
		"no newline at the end"
	got := readAll(t, newLineReader(strings.NewReader(in), limit), replayChunkBytes)
	assert.Equal(t, []string{"12345678", "TOO LONG", "crlf", "", "TOO LONG", "after", "TOO LONG"}, got,
		"the last line, 21 bytes without a newline, is over the limit too")

	got = readAll(t, newLineReader(strings.NewReader("a\nlast"), limit), replayChunkBytes)
	assert.Equal(t, []string{"a", "last"}, got)
	got = readAll(t, newLineReader(strings.NewReader(""), limit), replayChunkBytes)
	assert.Empty(t, got)
}

// TestLineReaderAtEveryBoundary reads the same lines with buffers of every
// size from 1 byte, whole or a byte at a time, so that each line, its
// "\r\n" and the end of a too long one fall across blocks and buffers,
// at their edges and exactly on them, and compares with strings.Split.
func TestLineReaderAtEveryBoundary(t *testing.T) {
	const limit = 10
	in := "first\n" +
		"1234567890\n" + // exactly the limit
		"crlf\r\n" +
		"\r\n" +
		"12345678901\n" + // one over
		"x" + strings.Repeat("y", 40) + "\n" + // over several buffers
		"\n" +
		"after\r\n" +
		"end\r"
	var want []string
	for _, line := range strings.Split(in, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if len(line) > limit {
			line = "TOO LONG"
		}
		want = append(want, line)
	}
	for size := 1; size <= len(in)+1; size++ {
		for name, r := range map[string]func() io.Reader{
			"whole":      func() io.Reader { return strings.NewReader(in) },
			"a byte":     func() io.Reader { return iotest.OneByteReader(strings.NewReader(in)) },
			"data error": func() io.Reader { return iotest.DataErrReader(strings.NewReader(in)) },
		} {
			l := newLineReader(r(), limit)
			require.Equal(t, want, readAll(t, l, size), "buffers of %d bytes, read %s", size, name)
			require.Equal(t, int64(len(in)), l.consumed, "buffers of %d bytes, read %s", size, name)
		}
	}
}

func TestLineReaderHoldsAtMostTheLimitOfALongLine(t *testing.T) {
	const limit = 4 << 10
	l := newLineReader(strings.NewReader(strings.Repeat("x", 8<<20)+"\nok\n"), limit)
	l.use(make([]byte, 0, 1024))
	_, _, err := l.next()
	require.ErrorIs(t, err, errLineTooLong)
	assert.Contains(t, err.Error(), "8388609 bytes with its newline, more than 4096")
	assert.LessOrEqual(t, cap(l.buf), 2*(limit+lineReaderBuffer), "the 8 MiB line was kept")
	start, end, err := l.next()
	require.NoError(t, err)
	assert.Equal(t, "ok", string(l.buf[start:end]))
}

// TestLineReaderStopsAtAReadError: the lines before the error are read,
// the one it cuts is not, and the error is returned.
func TestLineReaderStopsAtAReadError(t *testing.T) {
	broken := fmt.Errorf("disk on fire")
	l := newLineReader(io.MultiReader(strings.NewReader("a\nb\npartial"), iotest.ErrReader(broken)), 100)
	l.use(make([]byte, 0, 64))
	for _, want := range []string{"a", "b"} {
		start, end, err := l.next()
		require.NoError(t, err)
		require.Equal(t, want, string(l.buf[start:end]))
	}
	_, _, err := l.next()
	require.ErrorIs(t, err, broken)
}

// TestLineReaderCountsTheBytesConsumed: after each line, consumed is the
// bytes of the input up to its end, newline included, long lines read
// past and a last line without a newline alike.
func TestLineReaderCountsTheBytesConsumed(t *testing.T) {
	lines := []string{"12345678\n", "123456789\n", "crlf\r\n", "\n", strings.Repeat("x", 3*lineReaderBuffer+5) + "\n", "after\n", "end"}
	l := newLineReader(strings.NewReader(strings.Join(lines, "")), 8)
	l.use(make([]byte, 0, replayChunkBytes))
	want := int64(0)
	for i, line := range lines {
		_, _, err := l.next()
		if err != nil {
			require.ErrorIs(t, err, errLineTooLong, "line %d", i+1)
		}
		want += int64(len(line))
		require.Equal(t, want, l.consumed, "after line %d", i+1)
	}
	_, _, err := l.next()
	require.Equal(t, io.EOF, err)
	require.Equal(t, want, l.consumed, "at the end")
}
