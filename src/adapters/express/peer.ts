/**
 * express, loaded once for every router of `phaseq/express`: an optional peer, so its
 * absence is reported by name when phaseq/express is imported (see requirePeer).
 */
import type ExpressModule from 'express';
import { requirePeer } from '../../peers.js';

/** The express module (`express.Router()`, `express.json()`). */
export const express = requirePeer<typeof ExpressModule>('express', 'phaseq/express', '^5');
