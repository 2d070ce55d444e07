import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BudgetExhausted, createRequestBudget } from './create-request-budget.js';

function pacedBudget(max: number, ratePerSecond: number) {
  let now = 1_000_000;
  const waits: number[] = [];
  const budget = createRequestBudget({
    max,
    ratePerSecond,
    now: () => now,
    sleep: async (ms) => {
      waits.push(ms);
      now += ms;
    },
  });
  return { budget, waits, advance: (ms: number) => (now += ms) };
}

test('requests leave at most `rate` per second, evenly spaced; a pause is not made up with a burst', async () => {
  const { budget, waits, advance } = pacedBudget(100, 20);
  await budget.take();
  await budget.take();
  await budget.take(2);
  assert.deepEqual(waits, [50, 50]);
  await budget.take();
  assert.deepEqual(waits, [50, 50, 100], 'two requests reserved at once take two slots');
  advance(10_000);
  await budget.take();
  await budget.take();
  assert.deepEqual(waits, [50, 50, 100, 50]);
  assert.equal(budget.sent, 7);
});

test('at most `max` requests: a reservation past it throws and reserves nothing', async () => {
  const { budget } = pacedBudget(3, 1000);
  await budget.take(2);
  await assert.rejects(budget.take(2), BudgetExhausted);
  assert.equal(budget.sent, 2);
  await budget.take();
  await assert.rejects(budget.take(), BudgetExhausted);
  assert.equal(budget.sent, 3);
});

test('refuses a budget that bounds nothing', () => {
  assert.throws(() => createRequestBudget({ max: 0, ratePerSecond: 1 }), TypeError);
  assert.throws(() => createRequestBudget({ max: 1, ratePerSecond: 0 }), TypeError);
  assert.throws(() => createRequestBudget({ max: 1, ratePerSecond: Number.POSITIVE_INFINITY }), TypeError);
});
