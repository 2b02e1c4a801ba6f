/** Returns `value` when it is an integer of at least `minimum`; otherwise throws a RangeError naming the option. */
export function requireInteger(name: string, value: number, minimum: number): number {
  if (!Number.isInteger(value) || value < minimum) {
    throw new RangeError(`${name} must be an integer of at least ${minimum}, but it is ${value}.`);
  }
  return value;
}

/** Returns `value` when it is a finite number above zero; otherwise throws a RangeError naming the option. */
export function requirePositive(name: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a finite number above zero, but it is ${value}.`);
  }
  return value;
}

/** Returns `value` when it is above zero, Infinity included; otherwise throws a RangeError naming the option. */
export function requirePositiveOrInfinity(name: string, value: number): number {
  if (!(value > 0)) {
    throw new RangeError(`${name} must be a number above zero or Infinity, but it is ${value}.`);
  }
  return value;
}
