import { InvalidArgumentError } from 'commander';

/**
 * A commander parser for a number option: `abc`, `-1`, `1e99` or `NaN` are refused with one line
 * (exit 2) instead of being taken as "give up at once" or "never time out".
 */
export function numberOption(options: { min: number; max: number; integer?: boolean }) {
  return (value: string): number => {
    const trimmed = value.trim();
    const number = trimmed === '' ? Number.NaN : Number(trimmed);
    if (!Number.isFinite(number) || (options.integer && !Number.isInteger(number)))
      throw new InvalidArgumentError(`expected ${options.integer ? 'a whole number' : 'a number'}`);
    if (number < options.min || number > options.max)
      throw new InvalidArgumentError(`expected a number from ${options.min} to ${options.max}`);
    return number;
  };
}
