import { testPGlite } from '@casework/testkit';
import t from 'tap';
import { eventStoreSuite } from './eventStoreSuite.js';

eventStoreSuite(t, (t) => testPGlite(t));
