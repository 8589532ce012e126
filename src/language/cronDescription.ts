// Language layer: turns a cron expression into a short English sentence for hovers ("Every 5 minutes, Monday through Friday").

const nicknames: Record<string, string> = {
  '@yearly': 'Once a year, at 00:00 on January 1',
  '@annually': 'Once a year, at 00:00 on January 1',
  '@monthly': 'Once a month, at 00:00 on day 1',
  '@weekly': 'Once a week, at 00:00 on Sunday',
  '@daily': 'Once a day, at 00:00',
  '@midnight': 'Once a day, at 00:00',
  '@hourly': 'Once an hour, at minute 0',
};

const monthNames = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const dayNames = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** A sentence for a 5-field (or 6-field, seconds first) cron expression; undefined when it is not one. */
export function describeCron(expression: string): string | undefined {
  const trimmed = expression.trim();
  const nickname = nicknames[trimmed.toLowerCase()];
  if (nickname) return nickname;
  const fields = trimmed.split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) return undefined;
  const [second, minute, hour, dayOfMonth, month, dayOfWeek] = fields.length === 6 ? fields : ['0', ...fields];

  const parts = [timeOfDay(second, minute, hour)];
  if (dayOfMonth !== '*' && dayOfMonth !== '?') parts.push(`on day ${listOf(dayOfMonth, String)} of the month`);
  if (dayOfWeek !== '*' && dayOfWeek !== '?') parts.push(`on ${listOf(dayOfWeek, (value) => dayNames[Number(value) % 7] ?? value)}`);
  if (month !== '*') parts.push(`in ${listOf(month, (value) => monthNames[Number(value) - 1] ?? value)}`);
  return parts.join(', ');
}

function timeOfDay(second: string, minute: string, hour: string): string {
  const seconds = second === '0' ? '' : `${secondsPart(second)}, `;
  if (isNumber(minute) && isNumber(hour)) return capitalise(`${seconds}at ${pad(hour)}:${pad(minute)}`);
  if (minute === '*' && hour === '*') return capitalise(second === '0' ? 'every minute' : secondsPart(second));
  const minuteStep = /^\*\/(\d+)$/.exec(minute);
  const minutes = minuteStep ? `every ${plural(Number(minuteStep[1]), 'minute')}` : minute === '*' ? 'every minute' : `at minute ${listOf(minute, String)}`;
  const hourStep = /^\*\/(\d+)$/.exec(hour);
  let hours: string;
  if (hour === '*') hours = minuteStep || minute === '*' ? '' : ' of every hour';
  else if (hourStep) hours = ` past every ${plural(Number(hourStep[1]), 'hour')}`;
  else hours = ` during hour ${listOf(hour, String)}`;
  return capitalise(seconds + minutes + hours);
}

function secondsPart(second: string): string {
  const step = /^\*\/(\d+)$/.exec(second);
  if (step) return `every ${plural(Number(step[1]), 'second')}`;
  return second === '*' ? 'every second' : `at second ${listOf(second, String)}`;
}

/** `1-5` → "Monday through Friday", `1,3` → "Monday and Wednesday", `*\/2` → "every 2nd". */
function listOf(field: string, name: (value: string) => string): string {
  const items = field.split(',').map((item) => {
    const step = /^(.+)\/(\d+)$/.exec(item);
    if (step) {
      const range = step[1] === '*' ? '' : ` of ${listOf(step[1], name)}`;
      return `every ${ordinal(Number(step[2]))}${range}`;
    }
    const range = /^(\w+)-(\w+)$/.exec(item);
    if (range) return `${name(range[1])} through ${name(range[2])}`;
    return name(item);
  });
  if (items.length === 1) return items[0];
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function isNumber(field: string): boolean {
  return /^\d+$/.test(field);
}

function pad(value: string): string {
  return value.padStart(2, '0');
}

function plural(count: number, unit: string): string {
  return count === 1 ? unit : `${count} ${unit}s`;
}

function ordinal(count: number): string {
  const suffix = count % 100 >= 11 && count % 100 <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[count % 10] ?? 'th';
  return `${count}${suffix}`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
