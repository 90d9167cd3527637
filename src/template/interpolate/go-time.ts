/**
 * Formats a Date with a Go time layout ("2006-01-02T15:04:05Z07:00"), as Packer's
 * isotime does. Times are UTC, like Packer's build start time.
 */
export function formatGoTime(date: Date, layout: string): string {
  let out = '';
  let i = 0;
  while (i < layout.length) {
    const chunk = nextChunk(layout, i);
    if (!chunk) {
      out += layout[i];
      i++;
      continue;
    }
    out += chunk.format(date);
    i += chunk.length;
  }
  return out;
}

interface Chunk {
  length: number;
  format(d: Date): string;
}

export const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
export const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const pad = (n: number, width = 2, fill = '0') => String(n).padStart(width, fill);
const hour12 = (d: Date) => (d.getUTCHours() % 12 === 0 ? 12 : d.getUTCHours() % 12);
const yearDay = (d: Date) =>
  Math.floor(
    (Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000,
  ) + 1;

/** Recognises the Go layout element starting at `i`, in the order Go's own scanner does. */
function nextChunk(s: string, i: number): Chunk | undefined {
  const at = (t: string) => s.startsWith(t, i);
  const c = (length: number, format: (d: Date) => string): Chunk => ({ length, format });
  switch (s[i]) {
    case 'J':
      if (at('January')) return c(7, (d) => MONTHS[d.getUTCMonth()]!);
      if (at('Jan')) return c(3, (d) => MONTHS[d.getUTCMonth()]!.slice(0, 3));
      break;
    case 'M':
      if (at('Monday')) return c(6, (d) => DAYS[d.getUTCDay()]!);
      if (at('Mon')) return c(3, (d) => DAYS[d.getUTCDay()]!.slice(0, 3));
      if (at('MST')) return c(3, () => 'UTC');
      break;
    case '0':
      if (at('002')) return c(3, (d) => pad(yearDay(d), 3));
      if (at('01')) return c(2, (d) => pad(d.getUTCMonth() + 1));
      if (at('02')) return c(2, (d) => pad(d.getUTCDate()));
      if (at('03')) return c(2, (d) => pad(hour12(d)));
      if (at('04')) return c(2, (d) => pad(d.getUTCMinutes()));
      if (at('05')) return c(2, (d) => pad(d.getUTCSeconds()));
      if (at('06')) return c(2, (d) => pad(d.getUTCFullYear() % 100));
      break;
    case '1':
      if (at('15')) return c(2, (d) => pad(d.getUTCHours()));
      return c(1, (d) => String(d.getUTCMonth() + 1));
    case '2':
      if (at('2006')) return c(4, (d) => String(d.getUTCFullYear()));
      return c(1, (d) => String(d.getUTCDate()));
    case '_':
      if (at('_2006')) return c(5, (d) => `_${d.getUTCFullYear()}`);
      if (at('__2')) return c(3, (d) => pad(yearDay(d), 3, ' '));
      if (at('_2')) return c(2, (d) => pad(d.getUTCDate(), 2, ' '));
      break;
    case '3':
      return c(1, (d) => String(hour12(d)));
    case '4':
      return c(1, (d) => String(d.getUTCMinutes()));
    case '5':
      return c(1, (d) => String(d.getUTCSeconds()));
    case 'P':
      if (at('PM')) return c(2, (d) => (d.getUTCHours() >= 12 ? 'PM' : 'AM'));
      break;
    case 'p':
      if (at('pm')) return c(2, (d) => (d.getUTCHours() >= 12 ? 'pm' : 'am'));
      break;
    case '-':
      for (const t of ['-07:00:00', '-070000', '-07:00', '-0700', '-07']) {
        if (at(t)) return c(t.length, () => `+${t.slice(1).replace(/\d/g, '0')}`);
      }
      break;
    case 'Z':
      for (const t of ['Z07:00:00', 'Z070000', 'Z07:00', 'Z0700', 'Z07']) if (at(t)) return c(t.length, () => 'Z');
      break;
    case '.':
    case ',': {
      const digit = s[i + 1];
      if (digit === '0' || digit === '9') {
        let j = i + 1;
        while (s[j] === digit) j++;
        if (!/[0-9]/.test(s[j] ?? '')) {
          const width = j - i - 1;
          const sep = s[i]!;
          return c(j - i, (d) => {
            const frac = pad(d.getUTCMilliseconds(), 3) + '000000';
            const digits = frac.slice(0, width);
            if (digit === '0') return sep + digits;
            const trimmed = digits.replace(/0+$/, '');
            return trimmed ? sep + trimmed : '';
          });
        }
      }
      break;
    }
  }
  return undefined;
}
