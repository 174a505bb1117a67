import { describeBridge } from './bridge-scenarios.js';

describeBridge('typescript-sdk-8.0');
