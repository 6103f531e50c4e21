import fc from 'fast-check';
import t from 'tap';
import { addMoney, bgn, eur, prorate, prorateToEur, toEur } from '../src/money.js';

t.test('BGN converts at 1.95583, half-up to the cent', async (t) => {
  t.same(toEur(bgn(195_583)), eur(100_000), '1955.83 лв = 1000.00 €');
  t.same(toEur(bgn(100)), eur(51), '1.00 лв = 0.5113 € → 0.51 €');
  t.same(toEur(bgn(1)), eur(1), '0.01 лв = 0.00511 € → 0.01 €');
  // 0.00511... rounds up; find an exact half: x * 100000 / 195583 = k + 0.5 is impossible in integers,
  // so check the rounding boundary by brute force against decimal arithmetic instead
  t.same(toEur(bgn(-100)), eur(-51), 'negative amounts round half away from zero');
  t.same(toEur(eur(42)), eur(42), 'euro stays euro');
});

t.test('property: conversion is within half a cent of the exact value', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: -1e12, max: 1e12 }), (stotinki) => {
      const exact = stotinki / 1.95583;
      return Math.abs(toEur(bgn(stotinki)).amountMinor - exact) <= 0.5 + 1e-6;
    }),
  );
  t.pass();
});

t.test('adding mixed currencies converts only then', async (t) => {
  t.same(addMoney(bgn(100), bgn(100)), bgn(200));
  t.same(addMoney(eur(100), bgn(100)), eur(151));
});

t.test('prorate rounds half-up', async (t) => {
  t.same(prorate(eur(1000), 1, 3), eur(333));
  t.same(prorate(eur(1000), 2, 3), eur(667));
  t.same(prorate(eur(5), 1, 2), eur(3), '2.5 cents → 3');
  t.throws(() => prorate(eur(5), 1, 0));
});

t.test('a share of a leva amount in euro, rounded once', async (t) => {
  // 70% of 500.00 лв = 350.00 лв ÷ 1.95583 = 178.9521… → €178.95 (not 70% of €255.65 = €178.96)
  t.same(prorateToEur(bgn(50_000), 7_000, 10_000), eur(17_895));
  // 1 stotinka ÷ 2 = 0.5 st. ÷ 1.95583 = 0.2556… cents → 0
  t.same(prorateToEur(bgn(1), 1, 2), eur(0));
  // euro amounts are only prorated: €10.01 × 1 ÷ 2 = 5.005 → €5.01 (half-up)
  t.same(prorateToEur(eur(1_001), 1, 2), eur(501));
  t.same(prorateToEur(bgn(-50_000), 7_000, 10_000), eur(-17_895), 'symmetric below zero');
});
