package kerneleventsreceiver

import (
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readAll collects what next returns until io.EOF, with "TOO LONG" for
// skipped lines.
func readAll(t *testing.T, l *lineReader) []string {
	t.Helper()
	var out []string
	for {
		line, err := l.next()
		switch {
		case err == io.EOF:
			return out
		case err != nil:
			require.ErrorIs(t, err, errLineTooLong)
			out = append(out, "TOO LONG")
		default:
			out = append(out, string(line))
		}
	}
}

func TestLineReaderSkipsOverLongLinesAndGoesOn(t *testing.T) {
	const limit = 8
	in := "12345678\n" + // exactly the limit
		"123456789\n" + // one byte over
		"crlf\r\n" +
		"\n" +
		strings.Repeat("x", 3*lineReaderBuffer+5) + "\n" + // over several buffers
		"after\n" +
		"no newline at the end"
	got := readAll(t, newLineReader(strings.NewReader(in), limit))
	assert.Equal(t, []string{"12345678", "TOO LONG", "crlf", "", "TOO LONG", "after", "TOO LONG"}, got,
		"the last line, 21 bytes without a newline, is over the limit too")

	got = readAll(t, newLineReader(strings.NewReader("a\nlast"), limit))
	assert.Equal(t, []string{"a", "last"}, got)
	got = readAll(t, newLineReader(strings.NewReader(""), limit))
	assert.Empty(t, got)
}

func TestLineReaderHoldsAtMostTheLimitOfALongLine(t *testing.T) {
	const limit = 4 << 10
	l := newLineReader(strings.NewReader(strings.Repeat("x", 8<<20)+"\nok\n"), limit)
	_, err := l.next()
	require.ErrorIs(t, err, errLineTooLong)
	assert.Contains(t, err.Error(), "8388609 bytes with its newline, more than 4096")
	assert.LessOrEqual(t, cap(l.line), 2*(limit+lineReaderBuffer), "the 8 MiB line was kept")
	line, err := l.next()
	require.NoError(t, err)
	assert.Equal(t, "ok", string(line))
}

// TestLineReaderCountsTheBytesConsumed: after each line, consumed is the
// bytes of the input up to its end, newline included, long lines read
// past and a last line without a newline alike.
func TestLineReaderCountsTheBytesConsumed(t *testing.T) {
	lines := []string{"12345678\n", "123456789\n", "crlf\r\n", "\n", strings.Repeat("x", 3*lineReaderBuffer+5) + "\n", "after\n", "end"}
	l := newLineReader(strings.NewReader(strings.Join(lines, "")), 8)
	want := int64(0)
	for i, line := range lines {
		_, err := l.next()
		if err != nil {
			require.ErrorIs(t, err, errLineTooLong, "line %d", i+1)
		}
		want += int64(len(line))
		require.Equal(t, want, l.consumed, "after line %d", i+1)
	}
	_, err := l.next()
	require.Equal(t, io.EOF, err)
	require.Equal(t, want, l.consumed, "at the end")
}
