import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { StateBadge, isTransitional } from './StateBadge';

describe('StateBadge', () => {
  it('says the state in words, and where it is going when the host has not caught up', () => {
    render(<StateBadge observed="running" desired="stopped" />);
    expect(screen.getByText('Running, stopping')).toBeInTheDocument();
  });

  it('keeps a failed site failed whatever was asked', () => {
    render(<StateBadge observed="failed" desired="running" />);
    expect(screen.getByText('Failed')).toBeInTheDocument();
  });

  it('polls only while something is changing', () => {
    expect(isTransitional('provisioning', 'running')).toBe(true);
    expect(isTransitional('deleting', 'stopped')).toBe(true);
    expect(isTransitional('running', 'stopped')).toBe(true);
    expect(isTransitional('running', 'running')).toBe(false);
    expect(isTransitional('failed', 'running')).toBe(false);
  });
});
